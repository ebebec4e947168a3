using System.Collections.Immutable;
using Cluster.Domain.Log;

namespace Cluster.Domain.Groups;

/// <summary>
/// What happened to a group, as <see cref="GroupState.Apply"/> folds it. Events that are
/// <see cref="IDurableGroupEvent"/> are written to <c>__consumer_offsets</c> (acks=all)
/// before they take effect or anyone hears of them; the others (who is joining, who
/// heartbeated) live in the coordinator's memory only, as in Kafka.
/// </summary>
public abstract record GroupEvent;

/// <summary>Must be in the log before it is applied or answered.</summary>
public interface IDurableGroupEvent;

public enum RemovalReason : byte { Left, SessionTimeout, RebalanceTimeout }

/// <summary>A member joined or rejoined the rebalance in progress (added, or its subscription updated).</summary>
public sealed record MemberJoined(GroupMember Member) : GroupEvent;

/// <summary>The group waits for every member to (re)join until <see cref="DeadlineMs"/>.</summary>
public sealed record RebalanceStarted(long DeadlineMs, string Reason) : GroupEvent;

public sealed record MemberHeartbeat(string MemberId, long AtMs) : GroupEvent;

public sealed record MemberRemoved(string MemberId, RemovalReason Reason) : GroupEvent;

/// <summary>
/// A rebalance completed: the new generation, its strategy and every member with its
/// partitions (none: the group is Empty). Kafka's group metadata record.
/// </summary>
public sealed record GenerationStarted(int Generation, string? Protocol, ImmutableArray<GroupMember> Members, long AtMs)
    : GroupEvent, IDurableGroupEvent;

public sealed record OffsetsCommitted(ImmutableArray<CommittedOffset> Offsets) : GroupEvent, IDurableGroupEvent;

/// <summary>Offset tombstones found in the log (Kafka's offset deletion/expiry). Never emitted by commands yet.</summary>
public sealed record OffsetsRemoved(ImmutableArray<TopicPartition> Partitions) : GroupEvent, IDurableGroupEvent;

/// <summary>A group metadata tombstone found in the log: the group's membership is gone. Never emitted by commands yet.</summary>
public sealed record GroupMetadataRemoved : GroupEvent, IDurableGroupEvent;

/// <summary>
/// Offsets sent to a transaction (Kafka's TxnOffsetCommit), held per producer id until the
/// transaction ends: never the group's committed offsets before <see cref="TxnOffsetsCompleted"/>
/// says it committed. A later transaction of the producer replaces what an older one left.
/// </summary>
public sealed record TxnOffsetsPending(long ProducerId, short ProducerEpoch, long TransactionNumber, ImmutableArray<CommittedOffset> Offsets)
    : GroupEvent, IDurableGroupEvent;

/// <summary>
/// The transaction coordinator's word that transaction <see cref="TransactionNumber"/> of the
/// producer ended: committed, its pending offsets become the group's; aborted, they are dropped.
/// Kafka writes this as a transaction marker in <c>__consumer_offsets</c>.
/// </summary>
public sealed record TxnOffsetsCompleted(long ProducerId, long TransactionNumber, bool Committed) : GroupEvent, IDurableGroupEvent;
