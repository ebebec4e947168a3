using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Protocol;

/// <summary>
/// Decodes one request frame (the bytes after the size prefix) into its header and body.
/// Anything undecodable, an API key we do not serve or a version outside
/// <see cref="ApiVersionsTable"/> is a <see cref="KafkaProtocolException"/> (Kafka closes the
/// connection then), except an ApiVersions request of an unknown version, which comes back
/// with <see cref="ParsedRequest.IsUnsupportedApiVersions"/> set so it can be answered.
/// </summary>
public static class KafkaRequestParser
{
    /// <summary>
    /// Parses a frame. Record batches in Produce requests are slices of <paramref name="frame"/>
    /// (not copies): keep its buffer alive until the request is handled.
    /// </summary>
    /// <exception cref="KafkaProtocolException">The only exception this throws.</exception>
    public static ParsedRequest Parse(ReadOnlyMemory<byte> frame)
    {
        var r = new KafkaReader(frame);
        var header = RequestHeader.Read(ref r);
        var range = ApiVersionsTable.Get(header.RequestApiKey);
        short version = header.RequestApiVersion;
        if (!range.IsSupported(version))
        {
            if (header.RequestApiKey == ApiKey.ApiVersions)
                return new ParsedRequest(header, new ApiVersionsRequest(), IsUnsupportedApiVersions: true);
            throw new KafkaProtocolException(
                $"{header.RequestApiKey} v{version} is not supported (v{range.MinVersion}-v{range.MaxVersion})",
                ErrorCode.UnsupportedVersion, header);
        }

        try
        {
            return new ParsedRequest(header, ReadBody(ref r, header.RequestApiKey, version));
        }
        catch (KafkaProtocolException e) when (e.Header is null)
        {
            throw new KafkaProtocolException($"{header.RequestApiKey} v{version}: {e.Message}", e.ErrorCode, header);
        }
    }

    private static IKafkaRequest ReadBody(ref KafkaReader r, ApiKey apiKey, short version) => apiKey switch
    {
        ApiKey.Produce => ProduceRequest.Read(ref r, version),
        ApiKey.Fetch => FetchRequest.Read(ref r, version),
        ApiKey.ListOffsets => ListOffsetsRequest.Read(ref r, version),
        ApiKey.Metadata => MetadataRequest.Read(ref r, version),
        ApiKey.OffsetCommit => OffsetCommitRequest.Read(ref r, version),
        ApiKey.OffsetFetch => OffsetFetchRequest.Read(ref r, version),
        ApiKey.FindCoordinator => FindCoordinatorRequest.Read(ref r, version),
        ApiKey.JoinGroup => JoinGroupRequest.Read(ref r, version),
        ApiKey.Heartbeat => HeartbeatRequest.Read(ref r, version),
        ApiKey.LeaveGroup => LeaveGroupRequest.Read(ref r, version),
        ApiKey.SyncGroup => SyncGroupRequest.Read(ref r, version),
        ApiKey.DescribeGroups => DescribeGroupsRequest.Read(ref r, version),
        ApiKey.ListGroups => ListGroupsRequest.Read(ref r, version),
        ApiKey.ApiVersions => ApiVersionsRequest.Read(ref r, version),
        ApiKey.CreateTopics => CreateTopicsRequest.Read(ref r, version),
        ApiKey.DeleteTopics => DeleteTopicsRequest.Read(ref r, version),
        ApiKey.InitProducerId => InitProducerIdRequest.Read(ref r, version),
        ApiKey.AddPartitionsToTxn => AddPartitionsToTxnRequest.Read(ref r, version),
        ApiKey.AddOffsetsToTxn => AddOffsetsToTxnRequest.Read(ref r, version),
        ApiKey.EndTxn => EndTxnRequest.Read(ref r, version),
        ApiKey.TxnOffsetCommit => TxnOffsetCommitRequest.Read(ref r, version),
        ApiKey.DescribeConfigs => DescribeConfigsRequest.Read(ref r, version),
        _ => throw new KafkaProtocolException($"Unknown API key {(short)apiKey}", ErrorCode.UnsupportedVersion),
    };
}
