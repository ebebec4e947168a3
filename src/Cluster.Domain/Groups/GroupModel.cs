using System.Collections.Immutable;
using Cluster.Domain.Log;

namespace Cluster.Domain.Groups;

/// <summary>
/// Kafka's group states. With the coordinator assigning partitions itself (there is no
/// SyncGroup over HTTP), <see cref="CompletingRebalance"/> is the short time in which the
/// new generation is computed and its metadata record is being written; <see cref="Dead"/>
/// is a group that does not exist (never joined, nothing committed).
/// </summary>
public enum GroupPhase : byte
{
    Empty = 0,
    PreparingRebalance = 1,
    CompletingRebalance = 2,
    Stable = 3,
    Dead = 4,
}

/// <summary>A committed offset: the next offset the group will read (Kafka's meaning).</summary>
public sealed record OffsetAndMetadata(long Offset, string Metadata, long CommitTimestampMs);

/// <summary>One partition's offset in a commit request.</summary>
public sealed record OffsetCommit(string Topic, int Partition, long Offset, string? Metadata)
{
    public TopicPartition TopicPartition => new(Topic, Partition);
}

/// <summary>
/// A member of the group. <see cref="AwaitingJoin"/>: it has (re)joined in the rebalance in
/// progress and waits for the new generation; its session is not checked meanwhile (as in
/// Kafka, a pending join keeps the member alive).
/// </summary>
public sealed record GroupMember(
    string MemberId,
    ImmutableArray<string> Topics,
    int SessionTimeoutMs,
    string? Assignor,
    ImmutableArray<TopicPartition> Assignment,
    long LastHeartbeatMs,
    bool AwaitingJoin)
{
    public bool SessionExpired(long nowMs) => !AwaitingJoin && nowMs - LastHeartbeatMs >= SessionTimeoutMs;
}

/// <summary>The offsets one transaction of a producer sent to the group, waiting for its outcome.</summary>
public sealed record PendingTxnOffsets(
    short ProducerEpoch,
    long TransactionNumber,
    ImmutableSortedDictionary<TopicPartition, OffsetAndMetadata> Offsets);

/// <summary>Orders partitions by topic (ordinal), then partition number: the order of every list we answer with.</summary>
public sealed class TopicPartitionOrder : IComparer<TopicPartition>
{
    public static readonly TopicPartitionOrder Instance = new();

    public int Compare(TopicPartition x, TopicPartition y)
    {
        var byTopic = string.CompareOrdinal(x.Topic, y.Topic);
        return byTopic != 0 ? byTopic : x.Partition.CompareTo(y.Partition);
    }
}
