using System.Collections.Immutable;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Cluster.Kafka.Handlers;
using Cluster.Kafka.Protocol.Messages;
using KafkaFetchRequest = Cluster.Kafka.Protocol.Messages.FetchRequest;

namespace Cluster.Kafka.Tests.Handlers;

public class MetadataAndFetchTests
{
    private static ClusterMetadata Metadata()
    {
        var brokers = ImmutableSortedDictionary.CreateRange(new Dictionary<int, BrokerRegistration>
        {
            [1] = new(1, "h1", 4001, 8001, 9001),
            [2] = new(2, "h2", 4002, 8002, 9002),
            [3] = new(3, "h3", 4003, 8003, 0), // no Kafka listener
        });
        var orders = new TopicMetadata("orders", 7, ImmutableSortedDictionary<string, string>.Empty.Add("retention.ms", "1000"),
        [
            new PartitionState(0, [1, 2, 3], 1, 4, [1, 2], 9),
            new PartitionState(1, [2, 3, 1], PartitionState.NoLeader, 5, [], 9),
            new PartitionState(2, [3, 1, 2], 3, 2, [3, 1, 2], 3),
        ]);
        var offsets = new TopicMetadata("__consumer_offsets", 1, ImmutableSortedDictionary<string, string>.Empty, [new PartitionState(0, [1], 1, 0, [1], 0)]);
        return ClusterMetadata.Empty with
        {
            Version = 3,
            ClusterId = "c-1",
            Brokers = brokers,
            Topics = ImmutableSortedDictionary.CreateRange(new Dictionary<string, TopicMetadata> { ["orders"] = orders, ["__consumer_offsets"] = offsets }),
        };
    }

    [Fact]
    public void Metadata_names_kafka_listeners_real_leaders_epochs_isr_and_offline_replicas()
    {
        var response = MetadataHandler.Handle(new MetadataRequest
        {
            Topics = [new MetadataRequestTopic { Name = "orders" }, new MetadataRequestTopic { Name = "nope" }],
        }, 12, Metadata(), new HashSet<int> { 1, 2 }, controllerId: 2);

        Assert.Equal([(1, "h1", 9001), (2, "h2", 9002)], response.Brokers.Select(b => (b.NodeId, b.Host, b.Port)));
        Assert.Equal((2, "c-1"), (response.ControllerId, response.ClusterId));
        var orders = response.Topics[0];
        Assert.Equal(BrokerDirectory.TopicUuid(7), orders.TopicId);
        Assert.NotEqual(Guid.Empty, orders.TopicId);
        var p0 = orders.Partitions[0];
        Assert.Equal((ErrorCode.None, 1, 4), (p0.ErrorCode, p0.LeaderId, p0.LeaderEpoch));
        Assert.Equal([1, 2, 3], p0.ReplicaNodes);
        Assert.Equal([1, 2], p0.IsrNodes);
        Assert.Equal([3], p0.OfflineReplicas);
        Assert.Equal((ErrorCode.LeaderNotAvailable, -1), (orders.Partitions[1].ErrorCode, orders.Partitions[1].LeaderId));
        // Broker 3 leads partition 2 but has no Kafka listener: clients cannot be sent there.
        Assert.Equal((ErrorCode.LeaderNotAvailable, -1), (orders.Partitions[2].ErrorCode, orders.Partitions[2].LeaderId));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, response.Topics[1].ErrorCode);
        Assert.Empty(response.Topics[1].Partitions);
    }

    [Fact]
    public void Metadata_for_all_topics_includes_internal_ones_flagged_and_finds_topics_by_id()
    {
        var metadata = Metadata();
        var all = MetadataHandler.Handle(new MetadataRequest { Topics = null }, 12, metadata, new HashSet<int> { 1, 2, 3 }, 1);
        Assert.Equal(["__consumer_offsets", "orders"], all.Topics.Select(t => t.Name).Order());
        Assert.True(all.Topics.Single(t => t.Name == "__consumer_offsets").IsInternal);

        var byId = MetadataHandler.Handle(new MetadataRequest { Topics = [new MetadataRequestTopic { TopicId = BrokerDirectory.TopicUuid(7) }] },
            12, metadata, new HashSet<int> { 1 }, 1);
        Assert.Equal("orders", byId.Topics.Single().Name);
        var unknownId = MetadataHandler.Handle(new MetadataRequest { Topics = [new MetadataRequestTopic { TopicId = Guid.NewGuid() }] },
            12, metadata, new HashSet<int> { 1 }, 1);
        Assert.Equal(ErrorCode.UnknownTopicId, unknownId.Topics.Single().ErrorCode);
    }

    private static byte[] Batch(long baseOffset, int size)
    {
        var bytes = new RecordBatchBuilder().Append(1, null, new byte[Math.Max(0, size - 80)]).Build();
        RecordBatch.SetBaseOffset(bytes, baseOffset);
        return bytes;
    }

    private static FetchResult Ok(params byte[][] batches) =>
        new(ErrorCode.None, batches, 100, 90, 0, 100, [new AbortedTxn(5, 10, 12)]);

    [Fact]
    public void Fetch_answers_keep_to_partition_and_response_limits_but_always_return_the_first_batch()
    {
        var big = Batch(0, 5000);
        var small1 = Batch(1, 300);
        var small2 = Batch(2, 300);
        var request = new KafkaFetchRequest();
        var slots = new List<(string, FetchPartition)>
        {
            ("a", new FetchPartition { Partition = 0, PartitionMaxBytes = 1000 }),
            ("a", new FetchPartition { Partition = 1, PartitionMaxBytes = 1000 }),
            ("b", new FetchPartition { Partition = 0, PartitionMaxBytes = 10_000 }),
            ("b", new FetchPartition { Partition = 1, PartitionMaxBytes = 10_000 }),
        };
        var results = new[]
        {
            Ok(big, small1),                                     // first batch over both limits: still sent, alone
            Ok(small1, small2),                                  // fits
            FetchResult.Failed(ErrorCode.OffsetOutOfRange, "x"), // errors pass through
            Ok(big),                                             // over what is left of max_bytes: nothing
        };

        var response = FetchHandler.Build(request, slots, results, maxBytes: 6000, IsolationLevel.ReadCommitted);

        Assert.Equal(["a", "b"], response.Responses.Select(t => t.Topic));
        var a = response.Responses[0].Partitions;
        Assert.Equal(big.Length, a[0].Records.Length);
        Assert.Equal(small1.Length + small2.Length, a[1].Records.Length);
        Assert.Equal((100L, 90L, 0L), (a[1].HighWatermark, a[1].LastStableOffset, a[1].LogStartOffset));
        Assert.Equal((5L, 10L), (a[1].AbortedTransactions!.Single().ProducerId, a[1].AbortedTransactions!.Single().FirstOffset));
        var b = response.Responses[1].Partitions;
        Assert.Equal(ErrorCode.OffsetOutOfRange, b[0].ErrorCode);
        Assert.Equal(0, b[1].Records.Length);
        Assert.Equal(0, response.SessionId);

        var uncommitted = FetchHandler.Build(request, slots, results, 6000, IsolationLevel.ReadUncommitted);
        Assert.Null(uncommitted.Responses[0].Partitions[0].AbortedTransactions);
    }
}
