using Cluster.Domain.Client;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Cluster.Domain.Transactions;
using Cluster.Kafka.Protocol.Messages;
using ProduceRequest = Cluster.Kafka.Protocol.Messages.ProduceRequest;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// Produce (0). Every partition's records are validated first (CRC-32C, magic 2, records);
/// then each partition goes through the gateway, which appends at the partition's leader
/// wherever it runs, with the request's acks. A partition's batches are appended one after
/// the other, in order; partitions proceed in parallel. acks=0 gets no answer at all.
/// </summary>
public static class ProduceHandler
{
    /// <param name="transactions">The transaction coordinator, for transactional produce; null where there is none.</param>
    public static async ValueTask<ProduceResponse?> HandleAsync(BrokerGateway gateway, ProduceRequest request, short version,
        TransactionCoordination? transactions = null)
    {
        Acks? acks = request.Acks switch
        {
            0 => Acks.None,
            1 => Acks.Leader,
            -1 => Acks.All,
            _ => null,
        };

        // Start every partition's append before awaiting any: requests of one connection then
        // reach each leader in the order they were sent (see KafkaConnection).
        var work = new List<(TopicProduceResponse Topic, int Index, Task<PartitionProduceResponse> Result)>();
        var response = new ProduceResponse();
        foreach (var topic in request.TopicData)
        {
            var topicResponse = new TopicProduceResponse { Name = topic.Name };
            response.Responses.Add(topicResponse);
            foreach (var partition in topic.PartitionData)
            {
                topicResponse.PartitionResponses.Add(null!);
                var index = topicResponse.PartitionResponses.Count - 1;
                Task<PartitionProduceResponse> result;
                if (acks is null)
                    result = Task.FromResult(Error(partition.Index, ErrorCode.InvalidRequiredAcks, $"acks must be 0, 1 or -1, not {request.Acks}"));
                else
                    result = ProducePartitionAsync(gateway, request, topic.Name, partition, acks.Value, transactions);
                work.Add((topicResponse, index, result));
            }
        }

        if (acks == Acks.None) return null;
        foreach (var (topic, index, result) in work)
            topic.PartitionResponses[index] = await result.ConfigureAwait(false);
        return response;
    }

    private static Task<PartitionProduceResponse> ProducePartitionAsync(BrokerGateway gateway, ProduceRequest request, string topic,
        PartitionProduceData partition, Acks acks, TransactionCoordination? transactions)
    {
        var (found, error, message) = gateway.FindPartition(topic, partition.Index);
        if (found is null || error != ErrorCode.None)
            return Task.FromResult(Error(partition.Index, error, message));

        var validated = RecordsValidator.Validate(partition.Records, request.TransactionalId is not null);
        if (!validated.Ok) return Task.FromResult(Error(partition.Index, validated.Error, validated.Message));

        if (request.TransactionalId is not null)
            return TransactionalAsync(gateway, request.TransactionalId, topic, partition.Index, validated.Batches, acks, transactions);
        return AppendAsync(gateway, topic, partition.Index, validated.Batches, acks);
    }

    private static Task<PartitionProduceResponse> TransactionalAsync(BrokerGateway gateway, string transactionalId, string topic,
        int partition, List<byte[]> batches, Acks acks, TransactionCoordination? transactions)
    {
        if (transactions is null)
            return Task.FromResult(Error(partition, ErrorCode.TransactionalIdAuthorizationFailed, "Transactions are not available on this cluster"));
        var first = new Domain.Log.RecordBatch(batches[0]);
        return TransactionHandler.WithPartitionInTransactionAsync(transactions, transactionalId, first.ProducerId, first.ProducerEpoch, topic, partition,
            error => error == ErrorCode.None
                ? AppendAsync(gateway, topic, partition, batches, acks, transactionalId)
                : Task.FromResult(Error(partition, error, $"The partition could not join the transaction of '{transactionalId}'")));
    }

    /// <param name="transactionalId">The request's, for transactional batches: the leader verifies them with the coordinator (KIP-890).</param>
    private static async Task<PartitionProduceResponse> AppendAsync(BrokerGateway gateway, string topic, int partition, List<byte[]> batches, Acks acks,
        string? transactionalId = null)
    {
        long baseOffset = -1;
        for (var i = 0; i < batches.Count; i++)
        {
            // The first call sends to the leader before it yields (the gateway's first attempt is synchronous).
            var result = await gateway.ProduceAsync(topic, partition, batches[i], acks, transactionalId: transactionalId).ConfigureAwait(false);
            if (result.Error != ErrorCode.None)
                return Error(partition, result.Error, result.Message, i == 0 ? -1 : baseOffset);
            if (i == 0) baseOffset = result.BaseOffset;
        }
        return new PartitionProduceResponse { Index = partition, ErrorCode = ErrorCode.None, BaseOffset = baseOffset };
    }

    private static PartitionProduceResponse Error(int partition, ErrorCode error, string? message, long baseOffset = -1) => new()
    {
        Index = partition,
        ErrorCode = error,
        BaseOffset = baseOffset,
        ErrorMessage = message,
    };
}
