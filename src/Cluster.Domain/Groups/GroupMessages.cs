using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Groups;

/// <summary>A request for one group's coordinator; the group id is its sharding entity id.</summary>
public interface IGroupCommand : IClusterMessage
{
    string GroupId { get; }
}

/// <summary>Every answer of a coordinator: <see cref="ErrorCode.None"/> or the Kafka error, with a message for a person.</summary>
public interface IGroupResult : IClusterMessage
{
    ErrorCode Error { get; }
    string? Message { get; }
}

// ---------------------------------------------------------------- membership

/// <summary>
/// Join (or rejoin, with <see cref="MemberId"/>) and wait until the rebalance this starts or
/// joins has completed. A new member gets <see cref="NewMemberId"/>, chosen by the node that
/// took the request, so that a retried join is the same member and not a second one.
/// <see cref="Assignor"/>: the member's preferred strategy (range, roundrobin, sticky); it is
/// used when every member names the same one, otherwise the group default.
/// </summary>
public sealed record JoinGroup(
    string GroupId,
    string? MemberId,
    string NewMemberId,
    IReadOnlyList<string> Topics,
    int SessionTimeoutMs,
    string? Assignor) : IGroupCommand;

/// <summary>
/// The new generation and this member's partitions; or an error: UNKNOWN_MEMBER_ID (join
/// again without a member id), REBALANCE_IN_PROGRESS (still waiting for others past the
/// longest join wait: join again with <see cref="MemberId"/>).
/// </summary>
public sealed record JoinGroupResult(
    ErrorCode Error,
    string? Message,
    string MemberId,
    int Generation,
    IReadOnlyList<TopicPartition> Assignment) : IGroupResult
{
    public static JoinGroupResult Failed(ErrorCode error, string message, string memberId = "") =>
        new(error, message, memberId, -1, Array.Empty<TopicPartition>());
}

/// <summary>Keeps the member's session alive. <see cref="Generation"/> null: not checked.</summary>
public sealed record GroupHeartbeat(string GroupId, string MemberId, int? Generation) : IGroupCommand;

public sealed record HeartbeatResult(ErrorCode Error, string? Message, int Generation, IReadOnlyList<TopicPartition> Assignment)
    : IGroupResult
{
    public static HeartbeatResult Failed(ErrorCode error, string message) => new(error, message, -1, Array.Empty<TopicPartition>());
}

public sealed record LeaveGroup(string GroupId, string MemberId) : IGroupCommand;

/// <summary>The answer to requests that only succeed or fail (leave, commit).</summary>
public sealed record GroupAck(ErrorCode Error, string? Message) : IGroupResult
{
    public static readonly GroupAck Ok = new(ErrorCode.None, null);
}

// ---------------------------------------------------------------- offsets

/// <summary>
/// Commit offsets. With <see cref="MemberId"/> and <see cref="Generation"/>, the member must
/// belong to the current generation; with neither (a "simple" consumer) the group must have
/// no members. The whole request is written, or (refused) nothing.
/// </summary>
public sealed record CommitOffsets(string GroupId, string? MemberId, int? Generation, IReadOnlyList<OffsetCommit> Offsets)
    : IGroupCommand;

/// <summary>The group's committed offsets, all or those of one topic.</summary>
public sealed record FetchOffsets(string GroupId, string? Topic) : IGroupCommand;

public sealed record CommittedOffset(TopicPartition Partition, OffsetAndMetadata Offset);

/// <summary>
/// Kafka's TxnOffsetCommit: offsets of transaction <see cref="TransactionNumber"/> of a
/// transactional producer (its coordinator has added the group to the transaction first). They
/// stay pending, invisible to offset fetches, until <see cref="CompleteTxnOffsets"/>. As in
/// Kafka, a member id and generation are checked when given; without them the group may have
/// members (the producer need not be one).
/// </summary>
public sealed record TxnCommitOffsets(
    string GroupId,
    long ProducerId,
    short ProducerEpoch,
    long TransactionNumber,
    string? MemberId,
    int? Generation,
    IReadOnlyList<OffsetCommit> Offsets) : IGroupCommand;

/// <summary>
/// From the transaction coordinator, once the outcome is decided: transaction
/// <see cref="TransactionNumber"/> of the producer committed or aborted. Idempotent: a repeat, or
/// word about an older transaction than the pending one, changes nothing.
/// </summary>
public sealed record CompleteTxnOffsets(string GroupId, long ProducerId, long TransactionNumber, bool Commit) : IGroupCommand;

public sealed record FetchOffsetsResult(ErrorCode Error, string? Message, IReadOnlyList<CommittedOffset> Offsets) : IGroupResult
{
    public static FetchOffsetsResult Failed(ErrorCode error, string message) => new(error, message, Array.Empty<CommittedOffset>());
}

// ---------------------------------------------------------------- describe

public sealed record DescribeGroup(string GroupId) : IGroupCommand;

public sealed record MemberDescription(string MemberId, IReadOnlyList<string> Topics, int SessionTimeoutMs, IReadOnlyList<TopicPartition> Assignment);

/// <summary>
/// <see cref="Protocol"/>: the assignor of the current generation. <see cref="CoordinatorBrokerId"/>:
/// the broker whose node runs the coordinator now (coordinators move when nodes fail).
/// </summary>
public sealed record GroupDescription(
    ErrorCode Error,
    string? Message,
    string GroupId,
    GroupPhase Phase,
    int Generation,
    string? Protocol,
    IReadOnlyList<MemberDescription> Members,
    IReadOnlyList<CommittedOffset> Offsets,
    int CoordinatorBrokerId) : IGroupResult
{
    public static GroupDescription Failed(string groupId, ErrorCode error, string message) =>
        new(error, message, groupId, GroupPhase.Dead, -1, null, Array.Empty<MemberDescription>(), Array.Empty<CommittedOffset>(), -1);
}
