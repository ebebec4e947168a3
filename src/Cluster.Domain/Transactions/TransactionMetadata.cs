using System.Collections.Immutable;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Transactions;

/// <summary>Kafka's transaction states. <see cref="Dead"/> (an expired transactional id) is never entered: ids are kept for ever.</summary>
public enum TransactionState : byte
{
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
    Dead = 6,
}

/// <summary>
/// Which transaction of a transactional id something belongs to: the producer id and the
/// transaction's number (counted per transactional id, stored with its state). Markers carry
/// only producer id and epoch; a group's pending offsets carry this, so that a late word about
/// one transaction can never complete a later one of the same producer.
/// </summary>
public readonly record struct TransactionTag(long ProducerId, short ProducerEpoch, long TransactionNumber);

/// <summary>What the coordinator does after a decision.</summary>
public enum TransactionFollowUp
{
    /// <summary>Answer now (with <see cref="TransactionDecision.Error"/>, or success).</summary>
    Reply,

    /// <summary>Write <see cref="TransactionDecision.Next"/> (acks=all), apply it, then answer.</summary>
    Write,

    /// <summary>Write the Prepare* state, then the markers, then Complete*; answer after that.</summary>
    WriteThenComplete,

    /// <summary>A Prepare* state is being completed: decide again once it is.</summary>
    WaitForCompletion,

    /// <summary>A new producer id is needed first (first use of the id, or its epochs are exhausted).</summary>
    NeedProducerId,
}

public sealed record TransactionDecision(ErrorCode Error, string? Message, TransactionMetadata? Next, TransactionFollowUp FollowUp)
{
    public static readonly TransactionDecision Ok = new(ErrorCode.None, null, null, TransactionFollowUp.Reply);
    public static readonly TransactionDecision Wait = new(ErrorCode.None, null, null, TransactionFollowUp.WaitForCompletion);
    public static readonly TransactionDecision NeedProducerId = new(ErrorCode.None, null, null, TransactionFollowUp.NeedProducerId);

    public static TransactionDecision Fail(ErrorCode error, string message) => new(error, message, null, TransactionFollowUp.Reply);

    public static TransactionDecision Write(TransactionMetadata next) => new(ErrorCode.None, null, next, TransactionFollowUp.Write);

    public static TransactionDecision WriteThenComplete(TransactionMetadata next) =>
        new(ErrorCode.None, null, next, TransactionFollowUp.WriteThenComplete);
}

/// <summary>
/// One transactional id's state, as Kafka's TransactionMetadata, as an immutable value with
/// the coordinator's rules as pure functions: each returns a <see cref="TransactionDecision"/>
/// (an error, or the next state to write before anyone hears of it, and what follows). No
/// actor, no I/O, no clock: <see cref="TransactionCoordinator"/> writes and replies, specs
/// drive this directly.
///
/// Epochs: every InitProducerId bumps the epoch (fencing the older one); a transaction that
/// outlives its timeout is aborted with the epoch bumped too (Kafka fences a producer whose
/// transaction timed out). An epoch at <see cref="short.MaxValue"/> - 1 is exhausted: the next
/// InitProducerId gives the id a new producer id at epoch 0.
///
/// Retries (KIP-890's lesson): a commit or abort is recognised as a retry by its request id
/// (<see cref="EndRequestId"/>, kept with the state) and answered by the outcome it already
/// decided, whatever transaction is open now; a commit retried after the transaction
/// completed with the same epoch is answered 200 when the outcome matches (Kafka's rule), and
/// an abort from the epoch a timeout fenced is answered 200 too, the transaction having been
/// aborted.
/// </summary>
public sealed record TransactionMetadata(
    string TransactionalId,
    long ProducerId,
    short ProducerEpoch,
    long PreviousProducerId,
    short LastProducerEpoch,
    int TimeoutMs,
    TransactionState State,
    ImmutableSortedSet<TopicPartition> Partitions,
    ImmutableSortedSet<string> Groups,
    long TransactionNumber,
    long StartTimestampMs,
    long LastUpdateTimestampMs,
    Guid EndRequestId)
{
    public const long NoProducerId = -1;
    public const short NoProducerEpoch = -1;

    public static readonly ImmutableSortedSet<TopicPartition> NoPartitions = ImmutableSortedSet.Create<TopicPartition>(TopicPartitionOrder.Instance);
    public static readonly ImmutableSortedSet<string> NoGroups = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>A transactional id seen for the first time: a new producer id at epoch 0, no transaction.</summary>
    public static TransactionMetadata New(string transactionalId, long producerId, int timeoutMs, long nowMs) => new(
        transactionalId, producerId, 0, NoProducerId, NoProducerEpoch, timeoutMs, TransactionState.Empty,
        NoPartitions, NoGroups, 0, -1, nowMs, Guid.Empty);

    public TransactionTag Tag => new(ProducerId, ProducerEpoch, TransactionNumber);

    public bool IsEpochExhausted => ProducerEpoch >= short.MaxValue - 1;

    public bool IsPreparing => State is TransactionState.PrepareCommit or TransactionState.PrepareAbort;

    public bool IsComplete => State is TransactionState.CompleteCommit or TransactionState.CompleteAbort;

    /// <summary>The markers a Prepare* state asks for: commit or abort.</summary>
    public bool Commits => State is TransactionState.PrepareCommit or TransactionState.CompleteCommit;

    public bool HasTimedOut(long nowMs) => State == TransactionState.Ongoing && nowMs > StartTimestampMs + TimeoutMs;

    // ---------------------------------------------------------------- InitProducerId

    /// <summary>
    /// The id is unknown here (never initialised): it needs a producer id first; with one,
    /// it starts at epoch 0.
    /// </summary>
    public static TransactionDecision InitFirst(string transactionalId, int timeoutMs, long nowMs, long? freshProducerId) =>
        freshProducerId is { } producerId
            ? TransactionDecision.Write(New(transactionalId, producerId, timeoutMs, nowMs))
            : TransactionDecision.NeedProducerId;

    /// <summary>
    /// InitProducerId for a known id: the epoch is bumped, fencing the older one. An open
    /// transaction is aborted first with the bumped epoch (its markers fence the old producer at
    /// the partitions too); once that is done the request is decided again with
    /// <paramref name="afterFence"/>, and the fencing epoch is the one handed out, so the epoch
    /// moves by one either way. (Kafka bumps a second time there and returns that; one bump is
    /// what the HTTP contract promises.) An exhausted epoch gives the id a new producer id instead.
    /// </summary>
    public TransactionDecision InitProducerId(int timeoutMs, long nowMs, long? freshProducerId, bool afterFence = false)
    {
        switch (State)
        {
            case TransactionState.PrepareCommit or TransactionState.PrepareAbort:
                return TransactionDecision.Wait;
            case TransactionState.Ongoing:
                return TransactionDecision.WriteThenComplete(Fence(nowMs, timedOut: false));
        }
        if (afterFence && State == TransactionState.CompleteAbort && !IsEpochExhausted)
            return TransactionDecision.Write(Reset(timeoutMs, nowMs));
        if (IsEpochExhausted)
        {
            if (freshProducerId is not { } producerId) return TransactionDecision.NeedProducerId;
            return TransactionDecision.Write(Reset(timeoutMs, nowMs) with
            {
                PreviousProducerId = ProducerId,
                ProducerId = producerId,
                ProducerEpoch = 0,
            });
        }
        return TransactionDecision.Write(Reset(timeoutMs, nowMs) with { ProducerEpoch = (short)(ProducerEpoch + 1) });
    }

    private TransactionMetadata Reset(int timeoutMs, long nowMs) => this with
    {
        State = TransactionState.Empty,
        TimeoutMs = timeoutMs,
        LastProducerEpoch = NoProducerEpoch,
        Partitions = NoPartitions,
        Groups = NoGroups,
        StartTimestampMs = -1,
        LastUpdateTimestampMs = nowMs,
    };

    /// <summary>Abort the open transaction with the epoch bumped: from now on the old epoch is fenced.</summary>
    private TransactionMetadata Fence(long nowMs, bool timedOut) => this with
    {
        ProducerEpoch = (short)(ProducerEpoch + 1),
        // A timed-out producer's own abort is still answered by the outcome; a replaced one's is not.
        LastProducerEpoch = timedOut ? ProducerEpoch : NoProducerEpoch,
        State = TransactionState.PrepareAbort,
        EndRequestId = Guid.Empty,
        LastUpdateTimestampMs = nowMs,
    };

    // ---------------------------------------------------------------- joining a transaction

    /// <summary>Kafka's AddPartitionsToTxn: the first one after Empty or Complete* begins a transaction.</summary>
    public TransactionDecision AddPartitions(long producerId, short producerEpoch, IReadOnlyCollection<TopicPartition> partitions, long nowMs)
    {
        if (CheckProducer(producerId, producerEpoch) is { } refused) return refused;
        if (IsPreparing) return TransactionDecision.Wait;
        if (State == TransactionState.Ongoing)
            return partitions.All(Partitions.Contains)
                ? TransactionDecision.Ok
                : TransactionDecision.Write(this with { Partitions = Partitions.Union(partitions), LastUpdateTimestampMs = nowMs });
        return TransactionDecision.Write(Begin(nowMs) with { Partitions = NoPartitions.Union(partitions) });
    }

    /// <summary>Kafka's AddOffsetsToTxn: the group's offsets will be committed or dropped with the transaction.</summary>
    public TransactionDecision AddGroup(long producerId, short producerEpoch, string groupId, long nowMs)
    {
        if (CheckProducer(producerId, producerEpoch) is { } refused) return refused;
        if (IsPreparing) return TransactionDecision.Wait;
        if (State == TransactionState.Ongoing)
            return Groups.Contains(groupId)
                ? TransactionDecision.Ok
                : TransactionDecision.Write(this with { Groups = Groups.Add(groupId), LastUpdateTimestampMs = nowMs });
        return TransactionDecision.Write(Begin(nowMs) with { Groups = NoGroups.Add(groupId) });
    }

    /// <summary>
    /// Kafka's verification (AddPartitionsToTxn with verifyOnly, KIP-890 part 1), asked by a
    /// partition leader before a transactional batch opens a transaction there: the transaction
    /// must be ongoing with the partition in it. A transaction being completed is
    /// CONCURRENT_TRANSACTIONS (retriable), as in Kafka; every other refusal is final for the batch.
    /// </summary>
    public TransactionDecision VerifyPartition(long producerId, short producerEpoch, TopicPartition partition)
    {
        if (CheckProducer(producerId, producerEpoch) is { } refused) return refused;
        if (IsPreparing)
            return TransactionDecision.Fail(ErrorCode.ConcurrentTransactions,
                $"The transaction #{TransactionNumber} of '{TransactionalId}' is being completed");
        if (State == TransactionState.Ongoing && Partitions.Contains(partition)) return TransactionDecision.Ok;
        return TransactionDecision.Fail(ErrorCode.InvalidTxnState, State == TransactionState.Ongoing
            ? $"{partition} was not added to the transaction #{TransactionNumber} of '{TransactionalId}'"
            : $"'{TransactionalId}' has no ongoing transaction that {partition} joined: its last transaction {Describe(State)}");
    }

    private TransactionMetadata Begin(long nowMs) => this with
    {
        State = TransactionState.Ongoing,
        TransactionNumber = TransactionNumber + 1,
        Partitions = NoPartitions,
        Groups = NoGroups,
        StartTimestampMs = nowMs,
        LastUpdateTimestampMs = nowMs,
        LastProducerEpoch = NoProducerEpoch,
    };

    // ---------------------------------------------------------------- ending

    /// <summary>Kafka's EndTxn from the producer: commit or abort the open transaction.</summary>
    public TransactionDecision EndTransaction(long producerId, short producerEpoch, bool commit, Guid requestId, long nowMs)
    {
        if (producerId != ProducerId) return WrongProducerId(producerId);
        var outcome = commit ? "commit" : "abort";

        // A retry of the request that decided the last end: its outcome stands, whatever came since.
        if (requestId != Guid.Empty && requestId == EndRequestId)
            return IsPreparing ? TransactionDecision.Wait : TransactionDecision.Ok;

        if (producerEpoch != ProducerEpoch)
        {
            if (producerEpoch == LastProducerEpoch && !commit && State is TransactionState.PrepareAbort or TransactionState.CompleteAbort)
                // The transaction timed out and was aborted, as this producer now asks.
                return State == TransactionState.PrepareAbort ? TransactionDecision.Wait : TransactionDecision.Ok;
            if (producerEpoch == LastProducerEpoch && commit && State is TransactionState.PrepareAbort or TransactionState.CompleteAbort)
                return TransactionDecision.Fail(ErrorCode.ProducerFenced,
                    $"The transaction of '{TransactionalId}' was aborted after its timeout of {TimeoutMs} ms and producer epoch " +
                    $"{producerEpoch} was fenced; initialise the producer again");
            return EpochRefused(producerEpoch);
        }

        switch (State)
        {
            case TransactionState.Ongoing:
                return TransactionDecision.WriteThenComplete(this with
                {
                    State = commit ? TransactionState.PrepareCommit : TransactionState.PrepareAbort,
                    EndRequestId = requestId,
                    LastUpdateTimestampMs = nowMs,
                });
            case TransactionState.CompleteCommit when commit:
            case TransactionState.CompleteAbort when !commit:
                return TransactionDecision.Ok;
            case TransactionState.PrepareCommit when commit:
            case TransactionState.PrepareAbort when !commit:
                return TransactionDecision.Wait;
            case TransactionState.Empty:
                return TransactionDecision.Fail(ErrorCode.InvalidTxnState,
                    $"'{TransactionalId}' has no open transaction to {outcome}: produce records or send offsets first");
            default:
                return TransactionDecision.Fail(ErrorCode.InvalidTxnState,
                    $"'{TransactionalId}' has no open transaction to {outcome}: its last transaction {Describe(State)}");
        }
    }

    /// <summary>The periodic check: a transaction open longer than its timeout is aborted, and its producer fenced.</summary>
    public TransactionDecision TimeOut(long nowMs) =>
        HasTimedOut(nowMs) ? TransactionDecision.WriteThenComplete(Fence(nowMs, timedOut: true)) : TransactionDecision.Ok;

    /// <summary>Every marker is written: Prepare* becomes Complete*.</summary>
    public TransactionMetadata Complete(long nowMs)
    {
        if (!IsPreparing) throw new InvalidOperationException($"'{TransactionalId}' is {State}, not preparing to complete");
        return this with
        {
            State = State == TransactionState.PrepareCommit ? TransactionState.CompleteCommit : TransactionState.CompleteAbort,
            LastUpdateTimestampMs = nowMs,
        };
    }

    // ---------------------------------------------------------------- checks

    private TransactionDecision? CheckProducer(long producerId, short producerEpoch)
    {
        if (producerId != ProducerId) return WrongProducerId(producerId);
        return producerEpoch != ProducerEpoch ? EpochRefused(producerEpoch) : null;
    }

    private TransactionDecision WrongProducerId(long producerId) =>
        producerId == PreviousProducerId && producerId != NoProducerId
            ? TransactionDecision.Fail(ErrorCode.ProducerFenced,
                $"Producer id {producerId} of '{TransactionalId}' was replaced by {ProducerId} (its epochs were exhausted)")
            : TransactionDecision.Fail(ErrorCode.InvalidProducerIdMapping,
                $"Producer id {producerId} is not the producer id of '{TransactionalId}' ({ProducerId}); use the producer id its initialisation returned");

    /// <summary>Kafka answers PRODUCER_FENCED to any other epoch (an older one was fenced; a newer one was never handed out).</summary>
    private TransactionDecision EpochRefused(short producerEpoch) => TransactionDecision.Fail(ErrorCode.ProducerFenced,
        producerEpoch < ProducerEpoch
            ? $"Producer epoch {producerEpoch} of '{TransactionalId}' is fenced: the current epoch is {ProducerEpoch}"
            : $"Producer epoch {producerEpoch} of '{TransactionalId}' was never handed out (the current epoch is {ProducerEpoch})");

    private static string Describe(TransactionState state) => state switch
    {
        TransactionState.CompleteCommit or TransactionState.PrepareCommit => "was committed",
        TransactionState.CompleteAbort or TransactionState.PrepareAbort => "was aborted",
        _ => $"is {state}",
    };

    public override string ToString() =>
        $"{TransactionalId}: producer {ProducerId} epoch {ProducerEpoch}, {State}, transaction #{TransactionNumber}, " +
        $"{Partitions.Count} partition(s), {Groups.Count} group(s)";
}
