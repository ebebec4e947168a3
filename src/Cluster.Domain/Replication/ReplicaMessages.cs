using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Replication;

/// <summary>A message for one partition replica; its partition is its sharding entity id.</summary>
public interface IReplicaMessage : IClusterMessage
{
    TopicIdPartition Partition { get; }
}

public enum Acks : short { None = 0, Leader = 1, All = -1 }

public enum IsolationLevel : byte { ReadUncommitted = 0, ReadCommitted = 1 }

// ---- From the node's replica manager (Kafka's LeaderAndIsr / StopReplica) ----

/// <summary>The controller's latest word on this partition, and the topic's configs.</summary>
public sealed record BecomeLeaderOrFollower(TopicIdPartition Partition, PartitionState State, TopicConfig Config) : IReplicaMessage;

/// <summary>The topic was deleted (or the replica moved away): drop the log and stop.</summary>
public sealed record StopReplica(TopicIdPartition Partition, bool DeleteLog) : IReplicaMessage;

// ---- Clients ----

/// <summary>
/// Append one record batch (RecordBatch v2 bytes, base offset 0) as the leader.
/// Answered with <see cref="ProduceResult"/> unless acks is None. <see cref="TransactionalId"/>:
/// the producer's, for a transactional batch (Kafka's Produce carries it too); a batch that would
/// open a transaction here is verified with that id's coordinator first (KIP-890 part 1). Both
/// front doors refuse a transactional batch without it; only specs of the log send one.
/// </summary>
public sealed record ProduceRequest(TopicIdPartition Partition, byte[] Batch, Acks Acks, int TimeoutMs, string? TransactionalId = null)
    : IReplicaMessage;

public sealed record ProduceResult(ErrorCode Error, long BaseOffset, string? Message = null) : IClusterMessage;

/// <summary>
/// A consumer's read. <see cref="MaxRecords"/> (the HTTP API's maxRecords; Kafka's fetch has
/// none) bounds the offsets read, so an old read does not pull megabytes from the journal only
/// to have most of them dropped by the front door.
/// </summary>
public sealed record FetchRequest(TopicIdPartition Partition, long Offset, int MaxBytes, IsolationLevel Isolation, int WaitMs,
    int MaxRecords = int.MaxValue) : IReplicaMessage;

/// <summary>
/// Whole batches starting with the one that holds the requested offset, all below the high
/// watermark (or the last stable offset for read_committed); the reader skips what it
/// did not ask for. <see cref="AbortedTransactions"/> covers the returned range.
/// </summary>
public sealed record FetchResult(
    ErrorCode Error,
    IReadOnlyList<byte[]> Batches,
    long HighWatermark,
    long LastStableOffset,
    long LogStartOffset,
    long LogEndOffset,
    IReadOnlyList<AbortedTxn> AbortedTransactions,
    string? Message = null) : IClusterMessage
{
    public static FetchResult Failed(ErrorCode error, string message) =>
        new(error, Array.Empty<byte[]>(), -1, -1, -1, -1, Array.Empty<AbortedTxn>(), message);
}

/// <summary>Kafka's ListOffsets: <see cref="Earliest"/>, <see cref="Latest"/> or a timestamp in ms.</summary>
public sealed record ListOffsetsRequest(TopicIdPartition Partition, long Timestamp, IsolationLevel Isolation) : IReplicaMessage
{
    public const long Latest = -1;
    public const long Earliest = -2;
}

public sealed record ListOffsetsResult(ErrorCode Error, long Offset, long Timestamp, string? Message = null) : IClusterMessage;

public sealed record DescribeReplica(TopicIdPartition Partition) : IReplicaMessage;

/// <summary>
/// Read this replica's own log, leader or not, up to its log end offset: for comparing
/// replicas (Kafka's DumpLogSegments, replica verification), never for consumers.
/// </summary>
public sealed record ReadReplicaLog(TopicIdPartition Partition, long Offset, int MaxBytes) : IReplicaMessage;

public sealed record ReplicaStatus(
    ErrorCode Error,
    bool IsLeader,
    int LeaderEpoch,
    long LogStartOffset,
    long HighWatermark,
    long LastStableOffset,
    long LogEndOffset,
    long SizeInBytes,
    long EventsReplayedOnRecovery) : IClusterMessage;

// ---- To and from the node's AddPartitionsToTxnManager (never cross nodes) ----

/// <summary>
/// A leader asks whether <see cref="Partition"/> is in the producer's ongoing transaction, for at
/// most <see cref="Timeout"/>. <see cref="Guard"/> names this question: an answer to an older one
/// (asked before a marker ended the transaction here) is ignored.
/// </summary>
public sealed record VerifyTransaction(string TransactionalId, long ProducerId, short ProducerEpoch, TopicPartition Partition, TimeSpan Timeout,
    long Guard);

/// <summary>The coordinator's answer (or why there is none: a coordinator error, a timeout).</summary>
public sealed record TransactionVerified(long ProducerId, long Guard, ErrorCode Error, string? Message);

// ---- Between leader and followers ----

/// <summary>
/// A follower opens (or re-opens) its session with the leader of <see cref="LeaderEpoch"/>:
/// "my log ends at <see cref="FetchOffset"/>, its last batch is from <see cref="LastFetchedEpoch"/>".
/// The leader answers with where the logs diverge, or starts pushing.
/// </summary>
public sealed record FollowerFetch(TopicIdPartition Partition, int LeaderEpoch, int FollowerId, long FetchOffset, int LastFetchedEpoch) : IReplicaMessage;

/// <summary>The leader's log does not match the follower's past <see cref="EndOffset"/> (KIP-595 style truncation).</summary>
public sealed record DivergingEpoch(TopicIdPartition Partition, int LeaderEpoch, int Epoch, long EndOffset) : IClusterMessage;

/// <summary>The leader no longer holds what the follower needs next: start over at the leader's log start.</summary>
public sealed record ResetFollowerLog(TopicIdPartition Partition, int LeaderEpoch, long LogStartOffset) : IClusterMessage;

/// <summary>The session cannot start: the epochs disagree or the receiver is not the leader.</summary>
public sealed record FollowerFetchRejected(TopicIdPartition Partition, ErrorCode Error, int LeaderEpoch) : IClusterMessage;

/// <summary>
/// The leader pushes batches to a follower (empty: a heartbeat carrying the high watermark).
/// <see cref="FromOffset"/> is where they start, so a follower notices a gap.
/// </summary>
public sealed record ReplicateBatches(
    TopicIdPartition Partition,
    int LeaderEpoch,
    long FromOffset,
    IReadOnlyList<byte[]> Batches,
    long HighWatermark,
    long LogStartOffset) : IClusterMessage;

/// <summary>The follower's log end offset after appending (or, not accepted, where it wants the leader to resume).</summary>
public sealed record ReplicaAck(TopicIdPartition Partition, int LeaderEpoch, int FollowerId, long LogEndOffset, bool Accepted) : IClusterMessage;
