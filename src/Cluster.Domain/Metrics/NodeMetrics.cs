using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Replication;
using Cluster.Domain.Transactions;

namespace Cluster.Domain.Metrics;

/// <summary>A count that only grows, added to from any thread and read when metrics are collected.</summary>
public sealed class MetricCounter
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Add(long amount) => Interlocked.Add(ref _value, amount);
}

/// <summary>What one replica last published: its numbers, and the actor that owns the entry.</summary>
public sealed record PartitionMetrics(
    TopicIdPartition Partition,
    bool IsLeader,
    int LeaderEpoch,
    int Replicas,
    int InSyncReplicas,
    long LogStartOffset,
    long HighWatermark,
    long LogEndOffset,
    long SizeInBytes,
    IActorRef Owner)
{
    public bool UnderReplicated => IsLeader && InSyncReplicas < Replicas;
}

/// <summary>What the controller last published on its node.</summary>
public sealed record ControllerMetrics(bool Active, int OfflinePartitions, IActorRef? Owner)
{
    public static readonly ControllerMetrics Inactive = new(false, 0, null);
}

/// <summary>
/// The numbers of one broker, read by the observable instruments of <see cref="BrokerMetrics"/>.
///
/// Actors share no mutable state here. Counters are atomic cells that only grow. Everything
/// else is an immutable snapshot per entry, written only by the actor that owns the entry
/// (a replica for its partition, a coordinator for its group or transactional id, the
/// controller for its own record) and removed by it when it stops. Collection reads whatever
/// snapshots are there, without asking any actor: a scrape never waits on a busy replica and
/// costs the actors nothing, at the price of numbers up to one publishing interval old (a
/// replica publishes on its 100 ms tick and on every role or ISR change).
/// </summary>
public sealed class NodeMetrics
{
    private readonly ConcurrentDictionary<TopicIdPartition, PartitionMetrics> _partitions = new();
    private readonly ConcurrentDictionary<string, ImmutableSortedDictionary<TopicPartition, OffsetAndMetadata>> _groupOffsets =
        new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _openTransactions = new(StringComparer.Ordinal);
    private readonly KeyValuePair<string, object?>[][] _produceLatencyTags;
    private readonly KeyValuePair<string, object?>[] _brokerTags;
    private ControllerMetrics _controller = ControllerMetrics.Inactive;

    internal NodeMetrics(int brokerId)
    {
        BrokerId = brokerId;
        var broker = brokerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        BrokerTag = new KeyValuePair<string, object?>("broker", broker);
        _brokerTags = [BrokerTag];
        _produceLatencyTags = [[BrokerTag, new("acks", "0")], [BrokerTag, new("acks", "1")], [BrokerTag, new("acks", "all")]];
    }

    public int BrokerId { get; }

    internal KeyValuePair<string, object?> BrokerTag { get; }

    public MetricCounter ProduceRequests { get; } = new();
    public MetricCounter ProduceRecords { get; } = new();
    public MetricCounter FetchRequests { get; } = new();
    public MetricCounter FetchRecords { get; } = new();
    public MetricCounter IsrShrinks { get; } = new();
    public MetricCounter IsrExpands { get; } = new();
    public MetricCounter LogTruncations { get; } = new();
    public MetricCounter LeaderElections { get; } = new();

    // ---------------------------------------------------------------- histograms

    public void RecordProduceLatency(Acks acks, long startedTimestamp)
    {
        var tags = _produceLatencyTags[acks switch { Acks.None => 0, Acks.Leader => 1, _ => 2 }];
        BrokerMetrics.ProduceLatency.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, tags);
    }

    public void RecordJournalWrite(long startedTimestamp) =>
        BrokerMetrics.JournalWriteLatency.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, _brokerTags);

    // ---------------------------------------------------------------- partitions

    /// <summary>Only the replica named in <see cref="PartitionMetrics.Owner"/> publishes its partition's entry.</summary>
    public void Publish(PartitionMetrics snapshot) => _partitions[snapshot.Partition] = snapshot;

    /// <summary>Removes the entry if it is still the one given (a newer owner's entry stays).</summary>
    public void Remove(PartitionMetrics last) => _partitions.TryRemove(KeyValuePair.Create(last.Partition, last));

    internal IEnumerable<PartitionMetrics> PartitionSnapshots() => _partitions.Values;

    internal KeyValuePair<string, object?>[] PartitionTags(PartitionMetrics p) =>
    [
        BrokerTag,
        new("topic", p.Partition.Topic),
        new("partition", p.Partition.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    internal long UnderReplicatedPartitions() => _partitions.Values.Count(p => p.UnderReplicated);

    internal long LeaderPartitions() => _partitions.Values.Count(p => p.IsLeader);

    internal long PartitionCount() => _partitions.Count;

    // ---------------------------------------------------------------- controller

    public ControllerMetrics Controller => Volatile.Read(ref _controller);

    public void PublishController(ControllerMetrics snapshot) => Volatile.Write(ref _controller, snapshot);

    /// <summary>A stopping controller clears its record, unless another one has published since.</summary>
    public void RemoveController(IActorRef owner)
    {
        var current = Controller;
        if (Equals(current.Owner, owner)) Interlocked.CompareExchange(ref _controller, ControllerMetrics.Inactive, current);
    }

    // ---------------------------------------------------------------- consumer groups

    /// <summary>A group coordinator's committed offsets (its state's own immutable map: nothing is copied).</summary>
    public void PublishGroupOffsets(string groupId, ImmutableSortedDictionary<TopicPartition, OffsetAndMetadata> offsets)
    {
        if (offsets.IsEmpty) _groupOffsets.TryRemove(groupId, out _);
        else _groupOffsets[groupId] = offsets;
    }

    public void RemoveGroup(string groupId) => _groupOffsets.TryRemove(groupId, out _);

    internal IEnumerable<Measurement<long>> CommittedOffsets()
    {
        foreach (var (group, offsets) in _groupOffsets)
        foreach (var (partition, committed) in offsets)
            yield return new Measurement<long>(committed.Offset, GroupTags(group, partition));
    }

    /// <summary>
    /// Lag from the high watermark of this broker's own replica of each committed partition
    /// (leader or follower: followers hear it with every push and heartbeat). Partitions this
    /// broker holds no replica of are left out rather than asked for at scrape time.
    /// </summary>
    internal IEnumerable<Measurement<long>> GroupLags()
    {
        if (_groupOffsets.IsEmpty) yield break;
        var highWatermarks = new Dictionary<TopicPartition, long>();
        foreach (var p in _partitions.Values) highWatermarks[p.Partition.TopicPartition] = p.HighWatermark;
        foreach (var (group, offsets) in _groupOffsets)
        foreach (var (partition, committed) in offsets)
            if (highWatermarks.TryGetValue(partition, out var highWatermark))
                yield return new Measurement<long>(Math.Max(0, highWatermark - committed.Offset), GroupTags(group, partition));
    }

    private KeyValuePair<string, object?>[] GroupTags(string group, TopicPartition partition) =>
    [
        BrokerTag,
        new("group", group),
        new("topic", partition.Topic),
        new("partition", partition.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    // ---------------------------------------------------------------- transactions

    /// <summary>A transaction coordinator's current state (null: the id is unknown yet).</summary>
    public void PublishTransaction(string transactionalId, TransactionState? state)
    {
        if (state is TransactionState.Ongoing or TransactionState.PrepareCommit or TransactionState.PrepareAbort)
            _openTransactions[transactionalId] = true;
        else _openTransactions.TryRemove(transactionalId, out _);
    }

    public void RemoveTransaction(string transactionalId) => _openTransactions.TryRemove(transactionalId, out _);

    internal long OpenTransactions() => _openTransactions.Count;
}
