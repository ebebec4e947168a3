using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Transactions;

/// <summary>
/// A request for one transactional id's coordinator; the id is its sharding entity id. Every
/// request that acts on a transaction carries the producer id and epoch (KIP-890). <see cref="DeadlineMs"/>
/// (Unix ms, 0: none) is when the asker gives up: a copy of the request that arrives later
/// (a retry's lost twin, delayed in a buffer) is dropped unanswered instead of acting on
/// whatever transaction is open by then.
/// </summary>
public interface ITransactionCommand : IClusterMessage
{
    string TransactionalId { get; }
    long DeadlineMs { get; }
}

/// <summary>Every answer: <see cref="ErrorCode.None"/> or the Kafka error, with a message for a person.</summary>
public interface ITransactionResult : IClusterMessage
{
    ErrorCode Error { get; }
    string? Message { get; }
}

/// <summary>Kafka's InitProducerId with a transactional id: the id's producer id and a new epoch.</summary>
public sealed record InitProducerId(string TransactionalId, int TransactionTimeoutMs, long DeadlineMs) : ITransactionCommand;

public sealed record InitProducerIdResult(ErrorCode Error, string? Message, long ProducerId, short ProducerEpoch) : ITransactionResult
{
    public static InitProducerIdResult Failed(ErrorCode error, string message) => new(error, message, -1, -1);
}

/// <summary>
/// Kafka's AddPartitionsToTxn: the partitions a transactional produce is about to write to join
/// the open transaction (the first one begins a transaction). <see cref="LeaseId"/> (not empty):
/// the produce that follows holds back the transaction's markers until it reports back with
/// <see cref="TransactionRequestDone"/> or the lease runs out, so that none of its batches
/// lands behind a marker (where it would open a transaction nobody ends).
/// </summary>
public sealed record AddPartitionsToTxn(
    string TransactionalId,
    long ProducerId,
    short ProducerEpoch,
    IReadOnlyList<TopicPartition> Partitions,
    Guid LeaseId,
    long DeadlineMs) : ITransactionCommand;

/// <summary>
/// Kafka's AddPartitionsToTxn with <c>verifyOnly</c> (KIP-890 part 1), from a partition leader
/// about to let a transactional batch open a transaction at <see cref="Partition"/>: is this
/// producer's transaction ongoing, with the partition in it? Read only: it writes nothing, takes
/// no lease and is answered at once (<see cref="TransactionAck"/>), even while the coordinator writes.
/// </summary>
public sealed record VerifyPartitionInTxn(
    string TransactionalId,
    long ProducerId,
    short ProducerEpoch,
    TopicPartition Partition,
    long DeadlineMs) : ITransactionCommand;

/// <summary>Kafka's AddOffsetsToTxn: the group's offsets sent next (TxnOffsetCommit) belong to the transaction.</summary>
public sealed record AddOffsetsToTxn(
    string TransactionalId,
    long ProducerId,
    short ProducerEpoch,
    string GroupId,
    Guid LeaseId,
    long DeadlineMs) : ITransactionCommand;

/// <summary>The answer to AddPartitions/AddOffsets: which transaction the request joined.</summary>
public sealed record AddToTxnResult(ErrorCode Error, string? Message, TransactionTag Transaction) : ITransactionResult
{
    public static AddToTxnResult Failed(ErrorCode error, string message) => new(error, message, default);
}

/// <summary>
/// Kafka's EndTxn. <see cref="RequestId"/> is chosen once per client request, so every retry of
/// it inside the cluster is recognised: it is answered by the outcome it decided and never ends
/// a later transaction.
/// </summary>
public sealed record EndTxn(string TransactionalId, long ProducerId, short ProducerEpoch, bool Commit, Guid RequestId, long DeadlineMs)
    : ITransactionCommand;

/// <summary>The answer to requests that only succeed or fail.</summary>
public sealed record TransactionAck(ErrorCode Error, string? Message) : ITransactionResult
{
    public static readonly TransactionAck Ok = new(ErrorCode.None, null);
}

/// <summary>The produce or offsets call that took the lease has finished (told, not asked).</summary>
public sealed record TransactionRequestDone(string TransactionalId, Guid LeaseId) : ITransactionCommand
{
    public long DeadlineMs => 0;
}

/// <summary>Start the coordinator if it is not running (it then finishes a prepared transaction or aborts a timed-out one).</summary>
public sealed record WakeTransaction(string TransactionalId) : ITransactionCommand
{
    public long DeadlineMs => 0;
}

/// <summary>Kafka's DescribeTransactions.</summary>
public sealed record DescribeTransaction(string TransactionalId, long DeadlineMs) : ITransactionCommand;

/// <summary>
/// The id's state; <see cref="Metadata"/> null: the id is unknown (never initialised).
/// <see cref="CoordinatorBrokerId"/>: the broker whose node runs the coordinator now.
/// </summary>
public sealed record TransactionDescription(ErrorCode Error, string? Message, TransactionMetadata? Metadata, int CoordinatorBrokerId)
    : ITransactionResult
{
    public static TransactionDescription Failed(ErrorCode error, string message) => new(error, message, null, -1);
}
