using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Cluster.Domain.Metrics;

/// <summary>
/// The broker's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>
/// (System.Diagnostics.Metrics, so any exporter can read them: the HTTP API serves them as
/// Prometheus text at GET /metrics, in-process specs read them with a MeterListener).
/// Exported names are the meter name and the instrument name joined with '_', so
/// <c>produce_requests_total</c> becomes <c>cluster_log_produce_requests_total</c>.
///
/// Every series carries a <c>broker</c> label: several brokers can run in one process (the
/// in-process multi-node specs, or a node between two incarnations), and they share these
/// static instruments. The numbers themselves live per broker in <see cref="NodeMetrics"/>.
///
/// Counts are observable counters over the brokers' <see cref="MetricCounter"/>s rather than
/// <c>Counter&lt;long&gt;.Add</c>: an exporter that drops a series it has not seen change for a
/// while (prometheus-net's MeterAdapter does after 5 minutes) would otherwise lose the
/// count; an observed total is whole again at the next scrape.
/// </summary>
public static class BrokerMetrics
{
    public const string MeterName = "cluster-log";

    private static readonly ConcurrentDictionary<int, NodeMetrics> Nodes = new();

    public static readonly Meter Meter = new(MeterName);

    /// <summary>Bucket bounds in seconds for the latency histograms: 0.5 ms to 30 s.</summary>
    public static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    // ---------------------------------------------------------------- requests

    public static readonly ObservableCounter<long> ProduceRequests = Meter.CreateObservableCounter(
        "produce_requests_total", () => Observe(n => n.ProduceRequests.Value), description:
        "Produce requests (one per partition batch) that reached this broker as the partition's leader");

    public static readonly ObservableCounter<long> ProduceRecords = Meter.CreateObservableCounter(
        "produce_records_total", () => Observe(n => n.ProduceRecords.Value), description:
        "Records appended by this broker as leader");

    public static readonly ObservableCounter<long> FetchRequests = Meter.CreateObservableCounter(
        "fetch_requests_total", () => Observe(n => n.FetchRequests.Value), description:
        "Consumer fetch requests served by this broker as the partition's leader");

    public static readonly ObservableCounter<long> FetchRecords = Meter.CreateObservableCounter(
        "fetch_records_total", () => Observe(n => n.FetchRecords.Value), description:
        "Records in the batches returned to consumer fetches");

    /// <summary>
    /// From the leader's receiving the batch to its answer: acks=0 and 1 when the batch is in
    /// the leader's journal, acks=all when the high watermark has passed it (or the request
    /// timed out). Labels: broker, acks (0, 1, all).
    /// </summary>
    public static readonly Histogram<double> ProduceLatency = Meter.CreateHistogram<double>(
        "produce_latency_seconds", unit: "s", description: "Produce latency at the partition leader, by acks");

    /// <summary>One group-commit write of a replica's journal (every event it carries at once).</summary>
    public static readonly Histogram<double> JournalWriteLatency = Meter.CreateHistogram<double>(
        "journal_write_latency_seconds", unit: "s", description: "Time of one journal write (a group commit of a replica)");

    // ---------------------------------------------------------------- replication

    public static readonly ObservableGauge<long> UnderReplicatedPartitions = Meter.CreateObservableGauge(
        "under_replicated_partitions", () => Observe(n => n.UnderReplicatedPartitions()), description:
        "Partitions this broker leads whose ISR is smaller than their replica set");

    public static readonly ObservableGauge<long> LeaderPartitions = Meter.CreateObservableGauge(
        "leader_partitions", () => Observe(n => n.LeaderPartitions()), description: "Partitions this broker leads");

    public static readonly ObservableGauge<long> Partitions = Meter.CreateObservableGauge(
        "partitions", () => Observe(n => n.PartitionCount()), description: "Replicas hosted by this broker");

    public static readonly ObservableCounter<long> IsrShrinks = Meter.CreateObservableCounter(
        "isr_shrinks_total", () => Observe(n => n.IsrShrinks.Value), description:
        "ISR changes that removed replicas, seen by the leader (one per change)");

    public static readonly ObservableCounter<long> IsrExpands = Meter.CreateObservableCounter(
        "isr_expands_total", () => Observe(n => n.IsrExpands.Value), description:
        "ISR changes that added replicas, seen by the leader (one per change)");

    public static readonly ObservableCounter<long> LogTruncations = Meter.CreateObservableCounter(
        "log_truncations_total", () => Observe(n => n.LogTruncations.Value), description:
        "Follower logs cut back to match a new leader");

    // ---------------------------------------------------------------- controller

    public static readonly ObservableGauge<long> ActiveController = Meter.CreateObservableGauge(
        "active_controller", () => Observe(n => n.Controller.Active ? 1 : 0), description:
        "1 on the broker whose node runs the controller, 0 elsewhere");

    public static readonly ObservableGauge<long> OfflinePartitions = Meter.CreateObservableGauge(
        "offline_partitions", () => Observe(n => n.Controller.OfflinePartitions), description:
        "Partitions without a leader (reported by the active controller; 0 elsewhere)");

    public static readonly ObservableCounter<long> LeaderElections = Meter.CreateObservableCounter(
        "leader_elections_total", () => Observe(n => n.LeaderElections.Value), description:
        "Partition leaders elected by the controller while it ran on this broker (failures, preferred leaders, controlled shutdowns)");

    // ---------------------------------------------------------------- per partition

    public static readonly ObservableGauge<long> LogEndOffset = Meter.CreateObservableGauge(
        "partition_log_end_offset", () => ObservePartitions(p => p.LogEndOffset), description: "Log end offset of this broker's replica");

    public static readonly ObservableGauge<long> HighWatermark = Meter.CreateObservableGauge(
        "partition_high_watermark", () => ObservePartitions(p => p.HighWatermark), description:
        "High watermark as this broker's replica knows it");

    public static readonly ObservableGauge<long> LogStartOffset = Meter.CreateObservableGauge(
        "partition_log_start_offset", () => ObservePartitions(p => p.LogStartOffset), description: "Log start offset of this broker's replica");

    public static readonly ObservableGauge<long> LogSize = Meter.CreateObservableGauge(
        "partition_log_size_bytes", () => ObservePartitions(p => p.SizeInBytes), unit: "bytes", description:
        "Bytes of record batches this broker's replica holds in its journal");

    public static readonly ObservableGauge<long> PartitionLeader = Meter.CreateObservableGauge(
        "partition_leader", () => ObservePartitions(p => p.IsLeader ? 1 : 0), description:
        "1 where this broker's replica is the partition's leader");

    // ---------------------------------------------------------------- groups and transactions

    public static readonly ObservableGauge<long> ConsumerGroupCommittedOffset = Meter.CreateObservableGauge(
        "consumer_group_committed_offset", () => Observe(n => n.CommittedOffsets()), description:
        "A group's committed offset, reported by the broker whose node runs the group's coordinator");

    public static readonly ObservableGauge<long> ConsumerGroupLag = Meter.CreateObservableGauge(
        "consumer_group_lag", () => Observe(n => n.GroupLags()), description:
        "High watermark minus the group's committed offset, reported by the group coordinator's broker for partitions it holds a replica of");

    public static readonly ObservableGauge<long> OpenTransactions = Meter.CreateObservableGauge(
        "open_transactions", () => Observe(n => n.OpenTransactions()), description:
        "Transactions open (ongoing or completing) at the transaction coordinators of this broker's node");

    /// <summary>The numbers of one broker; created on first use and kept for the process's life.</summary>
    public static NodeMetrics ForBroker(int brokerId) => Nodes.GetOrAdd(brokerId, static id => new NodeMetrics(id));

    private static IEnumerable<Measurement<long>> Observe(Func<NodeMetrics, long> value)
    {
        foreach (var node in Nodes.Values) yield return new Measurement<long>(value(node), node.BrokerTag);
    }

    private static IEnumerable<Measurement<long>> Observe(Func<NodeMetrics, IEnumerable<Measurement<long>>> values) =>
        Nodes.Values.SelectMany(values);

    private static IEnumerable<Measurement<long>> ObservePartitions(Func<PartitionMetrics, long> value) =>
        Nodes.Values.SelectMany(node => node.PartitionSnapshots().Select(p => new Measurement<long>(value(p), node.PartitionTags(p))));
}
