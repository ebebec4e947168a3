using Cluster.Domain.Protocol;

namespace Cluster.Domain.Groups;

public sealed record GroupLogWrite(ErrorCode Error, string? Message, long BaseOffset)
{
    public bool Ok => Error == ErrorCode.None;
}

/// <summary>A group's events as its partition holds them, oldest first.</summary>
public sealed record GroupLogLoad(ErrorCode Error, string? Message, IReadOnlyList<GroupEvent> Events, int Partition, long RecordsRead)
{
    public bool Ok => Error == ErrorCode.None;

    public static GroupLogLoad Failed(ErrorCode error, string message) => new(error, message, Array.Empty<GroupEvent>(), -1, 0);
}

/// <summary>
/// The producer identity of a transactional write (Kafka's TxnOffsetCommit): the records go
/// in a transactional batch and count only once the transaction's COMMIT marker follows them
/// in the partition (see <see cref="GroupLogReplay"/>).
/// </summary>
public sealed record TransactionalWrite(long ProducerId, short ProducerEpoch, int BaseSequence);

/// <summary>
/// Where a coordinator keeps what must survive it: <see cref="OffsetsTopicLog"/> in
/// production (the group's <c>__consumer_offsets</c> partition), an in-memory log in specs.
/// </summary>
public interface IGroupLog
{
    /// <summary>
    /// Write the events as one record batch with acks=all; done means every in-sync replica
    /// holds it. <paramref name="transaction"/> is the seam for transactional offset commits:
    /// null for the coordinator's own writes.
    /// </summary>
    Task<GroupLogWrite> AppendAsync(string groupId, IReadOnlyList<IDurableGroupEvent> events, TransactionalWrite? transaction,
        CancellationToken cancellation);

    /// <summary>Everything the group's partition holds for the group, up to the end of the leader's log as it was when asked.</summary>
    Task<GroupLogLoad> LoadAsync(string groupId, CancellationToken cancellation);
}
