using Cluster.Domain.Client;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Cluster.Kafka.Protocol.Messages;
using KafkaListOffsets = Cluster.Kafka.Protocol.Messages.ListOffsetsRequest;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// ListOffsets (2): earliest (-2: the log start offset), latest (-1: the high watermark, or
/// the last stable offset for read_committed) or the first offset at or after a timestamp,
/// each answered by the partition's leader. -3 (max timestamp) needs v7, which ApiVersions does
/// not offer; a client that sends it anyway is told UNSUPPORTED_VERSION.
/// </summary>
public static class ListOffsetsHandler
{
    public static async ValueTask<ListOffsetsResponse> HandleAsync(BrokerGateway gateway, KafkaListOffsets request, CancellationToken cancellation)
    {
        var isolation = request.IsolationLevel == 1 ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted;
        var response = new ListOffsetsResponse();
        var work = new List<(ListOffsetsPartitionResponse Answer, Task<ListOffsetsResult> Result)>();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsTopicResponse { Name = topic.Name };
            response.Topics.Add(topicResponse);
            foreach (var partition in topic.Partitions)
            {
                var answer = new ListOffsetsPartitionResponse { PartitionIndex = partition.PartitionIndex };
                topicResponse.Partitions.Add(answer);
                if (partition.Timestamp < KafkaListOffsets.EarliestTimestamp)
                {
                    answer.ErrorCode = partition.Timestamp == KafkaListOffsets.MaxTimestamp ? ErrorCode.UnsupportedVersion : ErrorCode.InvalidRequest;
                    continue;
                }
                work.Add((answer, gateway.ListOffsetsAsync(topic.Name, partition.PartitionIndex, partition.Timestamp, isolation, cancellation)));
            }
        }
        foreach (var (answer, task) in work)
        {
            ListOffsetsResult result;
            try
            {
                result = await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                result = new ListOffsetsResult(ErrorCode.RequestTimedOut, -1, -1);
            }
            answer.ErrorCode = result.Error;
            answer.Offset = result.Error == ErrorCode.None ? result.Offset : -1;
            answer.Timestamp = result.Error == ErrorCode.None ? result.Timestamp : -1;
        }
        return response;
    }
}
