using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Protocol;

/// <summary>
/// Decodes a response frame (the bytes after the size prefix) of a request whose api key and
/// version the caller knows (Kafka responses do not repeat them): the client side, for tests.
/// </summary>
public static class KafkaResponseParser
{
    /// <exception cref="KafkaProtocolException">The only exception this throws.</exception>
    public static (ResponseHeader Header, IKafkaResponse Response) Parse(ReadOnlyMemory<byte> frame, ApiKey apiKey, short version)
    {
        if (!ApiVersionsTable.TryGet(apiKey, out _))
            throw new KafkaProtocolException($"Unknown API key {(short)apiKey}", Cluster.Domain.Protocol.ErrorCode.UnsupportedVersion);
        var r = new KafkaReader(frame);
        var header = ResponseHeader.Read(ref r, ApiVersionsTable.ResponseHeaderVersion(apiKey, version));
        return (header, ReadBody(ref r, apiKey, version));
    }

    private static IKafkaResponse ReadBody(ref KafkaReader r, ApiKey apiKey, short version) => apiKey switch
    {
        ApiKey.Produce => ProduceResponse.Read(ref r, version),
        ApiKey.Fetch => FetchResponse.Read(ref r, version),
        ApiKey.ListOffsets => ListOffsetsResponse.Read(ref r, version),
        ApiKey.Metadata => MetadataResponse.Read(ref r, version),
        ApiKey.OffsetCommit => OffsetCommitResponse.Read(ref r, version),
        ApiKey.OffsetFetch => OffsetFetchResponse.Read(ref r, version),
        ApiKey.FindCoordinator => FindCoordinatorResponse.Read(ref r, version),
        ApiKey.JoinGroup => JoinGroupResponse.Read(ref r, version),
        ApiKey.Heartbeat => HeartbeatResponse.Read(ref r, version),
        ApiKey.LeaveGroup => LeaveGroupResponse.Read(ref r, version),
        ApiKey.SyncGroup => SyncGroupResponse.Read(ref r, version),
        ApiKey.DescribeGroups => DescribeGroupsResponse.Read(ref r, version),
        ApiKey.ListGroups => ListGroupsResponse.Read(ref r, version),
        ApiKey.ApiVersions => ApiVersionsResponse.Read(ref r, version),
        ApiKey.CreateTopics => CreateTopicsResponse.Read(ref r, version),
        ApiKey.DeleteTopics => DeleteTopicsResponse.Read(ref r, version),
        ApiKey.InitProducerId => InitProducerIdResponse.Read(ref r, version),
        ApiKey.AddPartitionsToTxn => AddPartitionsToTxnResponse.Read(ref r, version),
        ApiKey.AddOffsetsToTxn => AddOffsetsToTxnResponse.Read(ref r, version),
        ApiKey.EndTxn => EndTxnResponse.Read(ref r, version),
        ApiKey.TxnOffsetCommit => TxnOffsetCommitResponse.Read(ref r, version),
        ApiKey.DescribeConfigs => DescribeConfigsResponse.Read(ref r, version),
        _ => throw new KafkaProtocolException($"Unknown API key {(short)apiKey}", Cluster.Domain.Protocol.ErrorCode.UnsupportedVersion),
    };
}
