using Cluster.Domain.Protocol;

namespace Cluster.Domain.Replication;

/// <summary>A verification to ask the coordinator for (<see cref="VerifyTransaction"/>).</summary>
public readonly record struct VerificationRequest(long ProducerId, short ProducerEpoch, string TransactionalId, long Guard);

/// <summary>
/// What a verification's answer releases: <see cref="Retry"/> goes through the produce path again
/// (verified now, or another epoch's batch that needs its own verification), <see cref="Refused"/>
/// is answered with the refusal.
/// </summary>
public sealed record VerificationOutcome<TWaiter>(IReadOnlyList<TWaiter> Retry, IReadOnlyList<TWaiter> Refused);

/// <summary>Verification errors as the produce path answers them.</summary>
public static class TransactionVerification
{
    /// <summary>
    /// A refused verification as the produce's error, as Kafka's ReplicaManager answers Produce
    /// up to version 11: the coordinator's "cannot say now" (unavailable, loading, moved, completing
    /// the transaction, no answer in time) becomes NOT_ENOUGH_REPLICAS, which every client retries
    /// without refreshing metadata; "not in the transaction" is INVALID_TXN_STATE. A fenced epoch
    /// stays PRODUCER_FENCED, as this leader answers a fenced transactional batch.
    /// </summary>
    public static (ErrorCode Error, string Message) ProduceError(ErrorCode verification, string? message) => verification switch
    {
        ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator or ErrorCode.ConcurrentTransactions
            or ErrorCode.NetworkException or ErrorCode.RequestTimedOut =>
            (ErrorCode.NotEnoughReplicas,
                $"Unable to verify the partition has been added to the transaction; retry. Underlying error: {verification.KafkaName()} {message}"),
        ErrorCode.InvalidTxnState => (ErrorCode.InvalidTxnState, $"Partition was not added to the transaction: {message}"),
        ErrorCode.InvalidProducerEpoch => (ErrorCode.ProducerFenced, message ?? verification.KafkaName()),
        _ => (verification, message ?? verification.KafkaName()),
    };
}

/// <summary>
/// A partition leader's transaction verifications (KIP-890 part 1; Kafka's VerificationStateEntry),
/// per producer id. A transactional batch that would open a transaction here waits while the
/// coordinator is asked whether the partition is in the producer's ongoing transaction; the
/// producer's later batches queue behind it, so its sequence order holds. A yes is kept for the
/// producer's epoch until the transaction ends here (its marker): further batches pay nothing.
///
/// Each question has a guard. A marker that arrives while a question is out ends the
/// transaction it asked about, so the answer can no longer be trusted (it may say "ongoing" of
/// what has just been committed): the question is asked again under a new guard, and the old
/// answer is ignored. A batch therefore opens a transaction only on a yes given after the last
/// marker here, before the next one. No actor, no clock: the leader passes the time in.
/// </summary>
public sealed class TransactionVerifications<TWaiter>
{
    private sealed class Entry(short epoch, string transactionalId)
    {
        public short Epoch { get; } = epoch;
        public string TransactionalId { get; } = transactionalId;
        public long Guard { get; set; }
        public bool Verified { get; set; }
        public long DeadlineMs { get; set; }
        public List<(short Epoch, TWaiter Waiter)> Waiting { get; } = new();
    }

    private readonly Dictionary<long, Entry> _entries = new();
    private long _lastGuard;

    public int Count => _entries.Count;

    /// <summary>A question about this producer is out: its batches wait for the answer, in order.</summary>
    public bool IsPending(long producerId) => _entries.TryGetValue(producerId, out var entry) && !entry.Verified;

    /// <summary>This producer's transaction was verified here for this epoch and has not ended here since.</summary>
    public bool IsVerified(long producerId, short epoch) =>
        _entries.TryGetValue(producerId, out var entry) && entry.Verified && entry.Epoch == epoch;

    /// <summary>Wait behind the question out for this producer (<see cref="IsPending"/>).</summary>
    public void Queue(long producerId, short epoch, TWaiter waiter) => _entries[producerId].Waiting.Add((epoch, waiter));

    /// <summary>Ask about this producer's epoch (forgetting what was known of another epoch); the waiter waits for the answer.</summary>
    public VerificationRequest Begin(long producerId, short epoch, string transactionalId, TWaiter waiter, long deadlineMs)
    {
        var entry = new Entry(epoch, transactionalId) { Guard = ++_lastGuard, DeadlineMs = deadlineMs };
        entry.Waiting.Add((epoch, waiter));
        _entries[producerId] = entry;
        return new VerificationRequest(producerId, epoch, transactionalId, entry.Guard);
    }

    /// <summary>The answer to question <paramref name="guard"/>; null when it is no longer the question out (ignore it).</summary>
    public VerificationOutcome<TWaiter>? Complete(long producerId, long guard, bool verified)
    {
        if (!_entries.TryGetValue(producerId, out var entry) || entry.Verified || entry.Guard != guard) return null;
        var waiting = entry.Waiting.ToList();
        entry.Waiting.Clear();
        if (verified)
        {
            entry.Verified = true;
            return new VerificationOutcome<TWaiter>(waiting.ConvertAll(w => w.Waiter), Array.Empty<TWaiter>());
        }
        _entries.Remove(producerId);
        // The refusal was about this epoch; a batch of another epoch that queued behind it gets its own question.
        return new VerificationOutcome<TWaiter>(
            waiting.Where(w => w.Epoch != entry.Epoch).Select(w => w.Waiter).ToList(),
            waiting.Where(w => w.Epoch == entry.Epoch).Select(w => w.Waiter).ToList());
    }

    /// <summary>
    /// A marker of this producer was appended here (or found nothing open): the transaction is over.
    /// A yes is forgotten; a question out is asked again under a new guard (returned).
    /// </summary>
    public VerificationRequest? TransactionEnded(long producerId, long deadlineMs)
    {
        if (!_entries.TryGetValue(producerId, out var entry)) return null;
        if (entry.Verified)
        {
            _entries.Remove(producerId);
            return null;
        }
        entry.Guard = ++_lastGuard;
        entry.DeadlineMs = deadlineMs;
        return new VerificationRequest(producerId, entry.Epoch, entry.TransactionalId, entry.Guard);
    }

    /// <summary>Questions without an answer by their deadline are given up: their waiters, to be refused (retriable).</summary>
    public List<TWaiter> Expire(long nowMs)
    {
        var expired = new List<TWaiter>();
        foreach (var (producerId, entry) in _entries.Where(e => !e.Value.Verified && e.Value.DeadlineMs <= nowMs).ToList())
        {
            expired.AddRange(entry.Waiting.Select(w => w.Waiter));
            _entries.Remove(producerId);
        }
        return expired;
    }

    /// <summary>Leadership is lost: everything is forgotten; the waiters, to be refused.</summary>
    public List<TWaiter> Clear()
    {
        var waiting = _entries.Values.SelectMany(e => e.Waiting.Select(w => w.Waiter)).ToList();
        _entries.Clear();
        return waiting;
    }
}
