using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Metrics;
using Cluster.Domain.Replication;
using Cluster.Domain.Transactions;
using Xunit;

namespace Cluster.Domain.Tests.Metrics;

/// <summary>
/// The broker's instruments as any in-process reader sees them (a MeterListener, as the HTTP
/// API's Prometheus exporter does): every series labelled with its broker, so that brokers
/// sharing a process (the multi-node specs) stay apart. Broker ids 91xx are this spec's own.
/// </summary>
public sealed class BrokerMetricsSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TopicIdPartition Orders0 = new(7, "orders", 0);

    private sealed record Sample(double Value, IReadOnlyDictionary<string, string?> Tags);

    /// <summary>What one collection of the instrument reports for the broker.</summary>
    private static List<Sample> Collect(string instrument, int brokerId)
    {
        var samples = new List<Sample>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == BrokerMetrics.MeterName && i.Name == instrument) l.EnableMeasurementEvents(i);
        };
        void Add(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var map = new Dictionary<string, string?>();
            foreach (var tag in tags) map[tag.Key] = tag.Value?.ToString();
            if (map.GetValueOrDefault("broker") == brokerId.ToString()) samples.Add(new Sample(value, map));
        }
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) => Add(v, tags));
        listener.SetMeasurementEventCallback<double>((_, v, tags, _) => Add(v, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return samples;
    }

    private static double One(string instrument, int brokerId) => Assert.Single(Collect(instrument, brokerId)).Value;

    private PartitionMetrics Snapshot(Akka.Actor.IActorRef owner, bool leader = true, int isr = 3, long highWatermark = 10) =>
        new(Orders0, leader, 4, 3, isr, 0, highWatermark, 12, 4096, owner);

    [Fact]
    public void Counters_are_observed_per_broker()
    {
        var first = BrokerMetrics.ForBroker(9101);
        var second = BrokerMetrics.ForBroker(9102);
        first.ProduceRequests.Increment();
        first.ProduceRecords.Add(25);
        second.ProduceRequests.Add(3);

        Assert.Equal(1, One("produce_requests_total", 9101));
        Assert.Equal(25, One("produce_records_total", 9101));
        Assert.Equal(3, One("produce_requests_total", 9102));
        Assert.Same(first, BrokerMetrics.ForBroker(9101));
    }

    [Fact]
    public void A_replica_snapshot_gives_the_partition_gauges_until_its_owner_removes_it()
    {
        var node = BrokerMetrics.ForBroker(9103);
        var replica = CreateTestProbe().Ref;
        node.Publish(Snapshot(replica, isr: 2));

        var end = Assert.Single(Collect("partition_log_end_offset", 9103));
        Assert.Equal(12, end.Value);
        Assert.Equal("orders", end.Tags["topic"]);
        Assert.Equal("0", end.Tags["partition"]);
        Assert.Equal(10, One("partition_high_watermark", 9103));
        Assert.Equal(4096, One("partition_log_size_bytes", 9103));
        Assert.Equal(1, One("under_replicated_partitions", 9103));
        Assert.Equal(1, One("leader_partitions", 9103));

        // A newer incarnation of the replica took over the entry: the old one's removal leaves it.
        var restarted = CreateTestProbe().Ref;
        var old = Snapshot(replica, isr: 2);
        node.Publish(Snapshot(restarted, leader: false));
        node.Remove(old);
        Assert.Equal(0, One("under_replicated_partitions", 9103));
        Assert.Single(Collect("partition_log_end_offset", 9103));

        node.Remove(Snapshot(restarted, leader: false));
        Assert.Empty(Collect("partition_log_end_offset", 9103));
        Assert.Equal(0, One("partitions", 9103));
    }

    [Fact]
    public void Group_lag_is_the_local_high_watermark_minus_the_committed_offset()
    {
        var node = BrokerMetrics.ForBroker(9104);
        node.Publish(Snapshot(CreateTestProbe().Ref, highWatermark: 10));
        var offsets = ImmutableSortedDictionary<TopicPartition, OffsetAndMetadata>.Empty
            .WithComparers(TopicPartitionOrder.Instance)
            .Add(new TopicPartition("orders", 0), new OffsetAndMetadata(4, "", 0))
            .Add(new TopicPartition("elsewhere", 0), new OffsetAndMetadata(1, "", 0));
        node.PublishGroupOffsets("readers", offsets);

        var lag = Assert.Single(Collect("consumer_group_lag", 9104)); // no replica of elsewhere-0 here: no lag for it
        Assert.Equal(6, lag.Value);
        Assert.Equal("readers", lag.Tags["group"]);
        Assert.Equal(2, Collect("consumer_group_committed_offset", 9104).Count);

        node.RemoveGroup("readers");
        Assert.Empty(Collect("consumer_group_lag", 9104));
    }

    [Fact]
    public void Open_transactions_count_ongoing_and_completing_ones()
    {
        var node = BrokerMetrics.ForBroker(9105);
        node.PublishTransaction("a", TransactionState.Ongoing);
        node.PublishTransaction("b", TransactionState.PrepareCommit);
        node.PublishTransaction("c", TransactionState.CompleteAbort);
        node.PublishTransaction("d", null);
        Assert.Equal(2, One("open_transactions", 9105));

        node.PublishTransaction("a", TransactionState.CompleteCommit);
        node.RemoveTransaction("b");
        Assert.Equal(0, One("open_transactions", 9105));
    }

    [Fact]
    public void Produce_latency_is_recorded_by_acks_and_the_controller_flag_is_cleared_only_by_its_owner()
    {
        var samples = new List<(double Value, string? Acks)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == BrokerMetrics.MeterName && i.Name == "produce_latency_seconds") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<double>((_, v, tags, _) =>
        {
            var map = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            if (map["broker"] == "9106") samples.Add((v, map["acks"]));
        });
        listener.Start();
        var node = BrokerMetrics.ForBroker(9106);
        node.RecordProduceLatency(Acks.All, Stopwatch.GetTimestamp() - Stopwatch.Frequency / 100);
        node.RecordProduceLatency(Acks.None, Stopwatch.GetTimestamp());
        Assert.Equal(["all", "0"], samples.Select(s => s.Acks));
        Assert.True(samples[0].Value >= 0.01);

        var controller = CreateTestProbe().Ref;
        node.PublishController(new ControllerMetrics(true, 2, controller));
        Assert.Equal(1, One("active_controller", 9106));
        Assert.Equal(2, One("offline_partitions", 9106));
        node.RemoveController(CreateTestProbe().Ref);
        Assert.Equal(1, One("active_controller", 9106));
        node.RemoveController(controller);
        Assert.Equal(0, One("active_controller", 9106));
    }
}
