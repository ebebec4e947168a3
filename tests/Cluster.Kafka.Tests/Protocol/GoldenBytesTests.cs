using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Tests.Protocol;

/// <summary>
/// Frames written out byte by byte from Kafka's JSON message definitions
/// (clients/src/main/resources/common/message/*.json), independently of our encoder.
/// </summary>
public class GoldenBytesTests
{
    private static byte[] Bytes(params string[] hexParts) => Convert.FromHexString(string.Concat(hexParts).Replace(" ", ""));

    // What librdkafka sends first: ApiVersions v3, request header v2.
    private static readonly byte[] ApiVersionsV3Request = Bytes(
        "00000025",                       // frame size: 37
        "0012",                           // RequestApiKey 18
        "0003",                           // RequestApiVersion 3
        "00000001",                       // CorrelationId 1
        "0007 7264 6b61 666b 61",         // ClientId "rdkafka": int16-length string even in header v2
        "00",                             // header tagged fields: none
        "0B 6c69 6272 646b 6166 6b61",    // ClientSoftwareName "librdkafka": compact string (10+1)
        "07 322e 3136 2e30",              // ClientSoftwareVersion "2.16.0": compact string (6+1)
        "00");                            // body tagged fields: none

    [Fact]
    public void ApiVersions_v3_request()
    {
        var request = new ApiVersionsRequest { ClientSoftwareName = "librdkafka", ClientSoftwareVersion = "2.16.0" };
        var header = new RequestHeader(ApiKey.ApiVersions, 3, 1, "rdkafka");
        Assert.Equal(Convert.ToHexString(ApiVersionsV3Request), Convert.ToHexString(KafkaRequestWriter.ToFrame(header, request)));

        var (parsedHeader, parsed) = KafkaRequestParser.Parse(ApiVersionsV3Request.AsMemory(4));
        Assert.Equal(header, parsedHeader);
        Assert.Equal("librdkafka", ((ApiVersionsRequest)parsed).ClientSoftwareName);
        Assert.Equal("2.16.0", ((ApiVersionsRequest)parsed).ClientSoftwareVersion);
    }

    [Fact]
    public void ApiVersions_v3_response_reports_the_table()
    {
        var expected = Bytes(
            "000000A6",       // frame size: 166
            "00000001",       // CorrelationId; ApiVersions always uses response header v0 (no tagged fields)
            "0000",           // ErrorCode NONE
            "17",             // ApiKeys: compact array of 22 (22+1)
            // ApiKey MinVersion MaxVersion, then the element's (empty) tagged fields
            "0000 0003 000B 00", // Produce 3-11
            "0001 0004 000C 00", // Fetch 4-12
            "0002 0001 0006 00", // ListOffsets 1-6
            "0003 0000 000C 00", // Metadata 0-12
            "0008 0000 0009 00", // OffsetCommit 0-9
            "0009 0001 0009 00", // OffsetFetch 1-9
            "000A 0000 0005 00", // FindCoordinator 0-5
            "000B 0000 0009 00", // JoinGroup 0-9
            "000C 0000 0004 00", // Heartbeat 0-4
            "000D 0000 0005 00", // LeaveGroup 0-5
            "000E 0000 0005 00", // SyncGroup 0-5
            "000F 0000 0005 00", // DescribeGroups 0-5
            "0010 0000 0005 00", // ListGroups 0-5
            "0012 0000 0004 00", // ApiVersions 0-4
            "0013 0000 0007 00", // CreateTopics 0-7
            "0014 0000 0005 00", // DeleteTopics 0-5
            "0016 0000 0005 00", // InitProducerId 0-5
            "0018 0000 0003 00", // AddPartitionsToTxn 0-3
            "0019 0000 0004 00", // AddOffsetsToTxn 0-4
            "001A 0000 0004 00", // EndTxn 0-4
            "001C 0000 0004 00", // TxnOffsetCommit 0-4
            "0020 0000 0004 00", // DescribeConfigs 0-4
            "00000000",       // ThrottleTimeMs 0
            "00");            // tagged fields: none (no SupportedFeatures/FinalizedFeatures)

        var request = KafkaRequestParser.Parse(ApiVersionsV3Request.AsMemory(4));
        var frame = KafkaResponseWriter.ToFrame(request, ApiVersionsResponse.FromTable());
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(frame));

        var back = (ApiVersionsResponse)KafkaResponseParser.Parse(expected.AsMemory(4), ApiKey.ApiVersions, 3).Response;
        Assert.Equal(ApiVersionsTable.All.Select(r => ((short)r.ApiKey, r.MinVersion, r.MaxVersion)),
            back.ApiKeys.Select(k => (k.ApiKey, k.MinVersion, k.MaxVersion)));
    }

    [Fact]
    public void ApiVersions_of_an_unknown_version_is_answered_at_v0_with_UNSUPPORTED_VERSION()
    {
        // A future client's ApiVersions v9: header v2, then a body we cannot know.
        var request = Bytes("0012 0009 0000002A FFFF 00", "DEADBEEF");
        var parsed = KafkaRequestParser.Parse(request);
        Assert.True(parsed.IsUnsupportedApiVersions);
        Assert.Equal(0, parsed.ResponseVersion);
        Assert.Equal(42, parsed.CorrelationId);
        Assert.Null(parsed.Header.ClientId);

        var expected = Bytes(
            "00000010",           // frame size: 16
            "0000002A",           // CorrelationId 42, header v0
            "0023",               // ErrorCode 35 UNSUPPORTED_VERSION
            "00000001",           // ApiKeys: int32 array of 1 (v0 is not flexible)
            "0012 0000 0004");    // only ApiVersions 0-4, so the client retries with v4
        Assert.Equal(Convert.ToHexString(expected),
            Convert.ToHexString(KafkaResponseWriter.ToFrame(parsed, ApiVersionsResponse.UnsupportedVersion())));
    }

    [Fact]
    public void Metadata_v9_response()
    {
        var expected = Bytes(
            "00000050",                         // frame size: 80
            "00000007", "00",                   // CorrelationId 7; response header v1: tagged fields
            "00000000",                         // ThrottleTimeMs
            "02",                               // Brokers: compact array of 1
            "00000001",                         //   NodeId 1
            "0A 6c6f63616c686f7374",            //   Host "localhost"
            "00002384",                         //   Port 9092
            "00",                               //   Rack null
            "00",                               //   tagged fields
            "03 6331",                          // ClusterId "c1"
            "00000001",                         // ControllerId 1
            "02",                               // Topics: compact array of 1
            "0000",                             //   ErrorCode NONE
            "02 74",                            //   Name "t"
            "00",                               //   IsInternal false
            "02",                               //   Partitions: compact array of 1
            "0000",                             //     ErrorCode NONE
            "00000000",                         //     PartitionIndex 0
            "00000001",                         //     LeaderId 1
            "00000005",                         //     LeaderEpoch 5
            "02 00000001",                      //     ReplicaNodes [1]
            "02 00000001",                      //     IsrNodes [1]
            "01",                               //     OfflineReplicas []
            "00",                               //     tagged fields
            "80000000",                         //   TopicAuthorizedOperations: not requested
            "00",                               //   tagged fields
            "80000000",                         // ClusterAuthorizedOperations (v8-10): not requested
            "00");                              // tagged fields

        var response = new MetadataResponse
        {
            Brokers = [new MetadataResponseBroker { NodeId = 1, Host = "localhost", Port = 9092 }],
            ClusterId = "c1",
            ControllerId = 1,
            Topics =
            [
                new MetadataResponseTopic
                {
                    Name = "t",
                    Partitions = [new MetadataResponsePartition { PartitionIndex = 0, LeaderId = 1, LeaderEpoch = 5, ReplicaNodes = [1], IsrNodes = [1] }],
                },
            ],
        };
        Assert.Equal(Convert.ToHexString(expected),
            Convert.ToHexString(KafkaResponseWriter.ToFrame(new ResponseHeader(7), response, 9)));

        var back = (MetadataResponse)KafkaResponseParser.Parse(expected.AsMemory(4), ApiKey.Metadata, 9).Response;
        Assert.Equal("localhost", back.Brokers.Single().Host);
        Assert.Equal(9092, back.Brokers[0].Port);
        Assert.Equal(5, back.Topics.Single().Partitions.Single().LeaderEpoch);
        Assert.Equal(ErrorCode.None, back.Topics[0].ErrorCode);
    }

    [Fact]
    public void Produce_v3_request_non_flexible()
    {
        var frame = Bytes(
            "00000029",                   // frame size: 41
            "0000 0003 00000009 0001 63", // Produce v3, correlation 9, ClientId "c"; header v1
            "FFFF",                       // TransactionalId null
            "FFFF",                       // Acks -1
            "00007530",                   // TimeoutMs 30000
            "00000001",                   // TopicData: 1
            "0001 74",                    //   Name "t"
            "00000001",                   //   PartitionData: 1
            "00000002",                   //     Index 2
            "00000003 AABBCC");           //     Records: 3 bytes
        var (header, body) = KafkaRequestParser.Parse(frame.AsMemory(4));
        var produce = (ProduceRequest)body;
        Assert.Equal(new RequestHeader(ApiKey.Produce, 3, 9, "c"), header);
        Assert.Null(produce.TransactionalId);
        Assert.Equal(-1, produce.Acks);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, produce.TopicData.Single().PartitionData.Single().Records.ToArray());
        Assert.Equal(Convert.ToHexString(frame), Convert.ToHexString(KafkaRequestWriter.ToFrame(header, produce)));
    }
}
