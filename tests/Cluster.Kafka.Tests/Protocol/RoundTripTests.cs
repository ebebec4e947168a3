using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Tests.Protocol;

/// <summary>
/// Every API at every version we declare: write → read → write gives the same bytes, for the
/// request (through the parser, as the listener will see it) and the response (through the
/// response writer, as the listener will send it). Since the samples fill every field, a
/// field a reader skips or misplaces changes the second write.
/// </summary>
public class RoundTripTests
{
    public static TheoryData<ApiKey, short> Versions()
    {
        var data = new TheoryData<ApiKey, short>();
        foreach (var (k, v) in Samples.AllVersions()) data.Add(k, v);
        return data;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Request_round_trips(ApiKey key, short version)
    {
        var header = new RequestHeader(key, version, 1234, "client-1");
        var frame = KafkaRequestWriter.ToFrame(header, Samples.Request(key));
        Assert.Equal(frame.Length - 4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame));

        var parsed = KafkaRequestParser.Parse(frame.AsMemory(4));

        Assert.Equal(header, parsed.Header);
        Assert.False(parsed.IsUnsupportedApiVersions);
        Assert.Equal(key, parsed.Request.ApiKey);
        Assert.Equal(Convert.ToHexString(frame), Convert.ToHexString(KafkaRequestWriter.ToFrame(parsed.Header, parsed.Request)));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Response_round_trips(ApiKey key, short version)
    {
        var frame = KafkaResponseWriter.ToFrame(new ResponseHeader(1234), Samples.Response(key), version);
        Assert.Equal(frame.Length - 4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame));

        var (header, response) = KafkaResponseParser.Parse(frame.AsMemory(4), key, version);

        Assert.Equal(1234, header.CorrelationId);
        Assert.Equal(key, response.ApiKey);
        Assert.Equal(Convert.ToHexString(frame), Convert.ToHexString(KafkaResponseWriter.ToFrame(header, response, version)));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Truncating_a_valid_request_anywhere_is_a_protocol_error(ApiKey key, short version)
    {
        var frame = KafkaRequestWriter.ToFrame(new RequestHeader(key, version, 1, "c"), Samples.Request(key));
        var body = frame.AsMemory(4);
        for (int cut = 0; cut < body.Length; cut++)
            Assert.Throws<KafkaProtocolException>(() => KafkaRequestParser.Parse(body[..cut]));
    }

    [Fact]
    public void Samples_cover_every_api_of_the_table()
    {
        Assert.Equal(22, ApiVersionsTable.All.Count);
        foreach (var r in ApiVersionsTable.All)
        {
            Assert.Equal(r.ApiKey, Samples.Request(r.ApiKey).ApiKey);
            Assert.Equal(r.ApiKey, Samples.Response(r.ApiKey).ApiKey);
        }
    }

    private static T RoundTripResponse<T>(T response, short version) where T : IKafkaResponse
    {
        var frame = KafkaResponseWriter.ToFrame(new ResponseHeader(1), response, version);
        return (T)KafkaResponseParser.Parse(frame.AsMemory(4), response.ApiKey, version).Response;
    }

    private static T RoundTripRequest<T>(T request, short version) where T : IKafkaRequest
    {
        var frame = KafkaRequestWriter.ToFrame(new RequestHeader(request.ApiKey, version, 1, null), request);
        return (T)KafkaRequestParser.Parse(frame.AsMemory(4)).Request;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(11)]
    public void Produce_carries_record_batches_as_they_are(short version)
    {
        var sample = (ProduceRequest)Samples.Request(ApiKey.Produce);
        var back = RoundTripRequest(sample, version);
        Assert.Equal("tx-1", back.TransactionalId);
        Assert.Equal(-1, back.Acks);
        var p = back.TopicData.Single().PartitionData;
        Assert.Equal(sample.TopicData[0].PartitionData[0].Records.ToArray(), p[0].Records.ToArray());
        Assert.True(p[1].Records.IsEmpty);
    }

    [Fact]
    public void Produce_v10_tagged_fields_survive()
    {
        var back = RoundTripResponse((ProduceResponse)Samples.Response(ApiKey.Produce), 10);
        var p = back.Responses.Single().PartitionResponses.Single();
        Assert.Equal(ErrorCode.NotLeaderOrFollower, p.ErrorCode);
        Assert.Equal(2, p.CurrentLeader!.LeaderId);
        Assert.Equal(6, p.CurrentLeader.LeaderEpoch);
        Assert.Equal("127.0.0.2", back.NodeEndpoints!.Single().Host);

        var v9 = RoundTripResponse((ProduceResponse)Samples.Response(ApiKey.Produce), 9);
        Assert.Null(v9.Responses[0].PartitionResponses[0].CurrentLeader);
        Assert.Null(v9.NodeEndpoints);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(12)]
    public void Fetch_response_keeps_offsets_aborted_transactions_and_records(short version)
    {
        var sample = (FetchResponse)Samples.Response(ApiKey.Fetch);
        var back = RoundTripResponse(sample, version);
        var p = back.Responses.Single().Partitions[0];
        Assert.Equal(120, p.HighWatermark);
        Assert.Equal(118, p.LastStableOffset);
        Assert.Equal(version >= 5 ? 3 : -1, p.LogStartOffset);
        Assert.Equal(100, p.AbortedTransactions!.Single().FirstOffset);
        Assert.Equal(sample.Responses[0].Partitions[0].Records.ToArray(), p.Records.ToArray());
        Assert.Null(back.Responses[0].Partitions[1].AbortedTransactions);
        Assert.Equal(version >= 12 ? 4 : null, p.CurrentLeader?.LeaderEpoch);
        Assert.Equal(version >= 12 ? 99 : null, p.DivergingEpoch?.EndOffset);
    }

    [Fact]
    public void Fetch_v12_reads_the_cluster_id_tag()
    {
        var back = RoundTripRequest((FetchRequest)Samples.Request(ApiKey.Fetch), 12);
        Assert.Equal("cluster-x", back.ClusterId);
        Assert.Equal(1, back.IsolationLevel);
        Assert.Equal(3, back.Topics[0].Partitions[0].LastFetchedEpoch);
    }

    [Fact]
    public void Metadata_v0_empty_topics_means_all_topics()
    {
        var back = RoundTripRequest(new MetadataRequest { Topics = null }, 0);
        Assert.Null(back.Topics);
        var v1 = RoundTripRequest(new MetadataRequest { Topics = [] }, 1);
        Assert.NotNull(v1.Topics);
        Assert.Empty(v1.Topics);
        Assert.Null(RoundTripRequest(new MetadataRequest { Topics = null }, 12).Topics);
    }

    [Fact]
    public void JoinGroup_v0_rebalance_timeout_defaults_to_session_timeout()
    {
        var back = RoundTripRequest(new JoinGroupRequest { GroupId = "g", SessionTimeoutMs = 6000, RebalanceTimeoutMs = 1 }, 0);
        Assert.Equal(6000, back.RebalanceTimeoutMs);
    }

    [Fact]
    public void LeaveGroup_and_OffsetFetch_and_FindCoordinator_present_one_view_of_all_versions()
    {
        var leave = (LeaveGroupRequest)Samples.Request(ApiKey.LeaveGroup);
        Assert.Equal("member-1", RoundTripRequest(leave, 1).AllMembers(1).Single().MemberId);
        Assert.Equal(2, RoundTripRequest(leave, 5).AllMembers(5).Count);

        var fetch = (OffsetFetchRequest)Samples.Request(ApiKey.OffsetFetch);
        Assert.Equal([0, 1, 2], RoundTripRequest(fetch, 7).AllGroups(7).Single().Topics!.Single().PartitionIndexes);
        var groups = RoundTripRequest(fetch, 9).AllGroups(9);
        Assert.Equal(["g", "h"], groups.Select(g => g.GroupId));
        Assert.Null(groups[1].Topics);
        Assert.Null(RoundTripRequest(new OffsetFetchRequest { GroupId = "g", Topics = null }, 2).Topics);

        var find = (FindCoordinatorRequest)Samples.Request(ApiKey.FindCoordinator);
        Assert.Equal(["group-1"], RoundTripRequest(find, 2).AllKeys(2));
        Assert.Equal(["group-1", "group-2"], RoundTripRequest(find, 4).AllKeys(4));

        var answers = new List<Coordinator> { new() { Key = "group-1", NodeId = 3, Host = "h", Port = 9 } };
        Assert.Equal(3, RoundTripResponse(FindCoordinatorResponse.For(2, answers), 2).NodeId);
        Assert.Equal(3, RoundTripResponse(FindCoordinatorResponse.For(4, answers), 4).Coordinators.Single().NodeId);

        var offsetGroups = new List<OffsetFetchResponseGroup> { new() { GroupId = "g", ErrorCode = ErrorCode.NotCoordinator } };
        Assert.Equal(ErrorCode.NotCoordinator, RoundTripResponse(OffsetFetchResponse.For(5, offsetGroups), 5).ErrorCode);
        Assert.Equal(ErrorCode.NotCoordinator, RoundTripResponse(OffsetFetchResponse.For(8, offsetGroups), 8).Groups.Single().ErrorCode);
    }

    [Fact]
    public void CreateTopics_config_error_tag_round_trips()
    {
        var back = RoundTripResponse((CreateTopicsResponse)Samples.Response(ApiKey.CreateTopics), 7);
        Assert.Equal(ErrorCode.InvalidConfig, back.Topics[0].TopicConfigErrorCode);
        Assert.Equal(ErrorCode.None, back.Topics[1].TopicConfigErrorCode);
        Assert.Null(back.Topics[1].Configs);
        Assert.Equal(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), back.Topics[0].TopicId);
    }
}
