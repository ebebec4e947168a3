using Akka.Actor;
using Akka.Event;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Replication;

/// <summary>
/// The leader's defence against hanging transactions (KIP-890 part 1): a transactional batch that
/// would open a transaction here is appended only once the producer's coordinator has said that
/// its transaction is ongoing with this partition in it. Without it, a batch that arrives after
/// its transaction's markers (a produce given up on, delayed in the network) would open a
/// transaction nobody ends, and the last stable offset would stop there.
/// </summary>
public sealed partial class PartitionReplica
{
    /// <summary>
    /// The longest a verification may take. It takes half of what is left of the produce's own
    /// time, so the append and its replication still fit, and never more than this (acks=0 has no
    /// time of its own).
    /// </summary>
    private static readonly TimeSpan MaxVerificationTime = TimeSpan.FromSeconds(10);

    /// <summary>A batch waiting for its producer's verification, with its produce's deadline.</summary>
    private sealed record VerificationWaiter(ProduceRequest Request, IActorRef ReplyTo, long DeadlineMs);

    private readonly TransactionVerifications<VerificationWaiter> _verifications = new();

    /// <summary>Markers written but not yet persisted, per producer id: until they are, the log still shows the transaction open.</summary>
    private readonly Dictionary<long, int> _pendingMarkers = new();

    private bool NeedsVerification(RecordBatch batch, string? transactionalId) =>
        batch.IsTransactional && transactionalId is not null && !TransactionOpenHere(batch.ProducerId, batch.ProducerEpoch) &&
        !_verifications.IsVerified(batch.ProducerId, batch.ProducerEpoch);

    /// <summary>The producer has a transaction open here in this epoch, counting what is appended but not yet persisted.</summary>
    private bool TransactionOpenHere(long producerId, short epoch)
    {
        if (_pendingProducers.TryGetValue(producerId, out var pending) && pending.Transactional) return pending.Epoch == epoch;
        if (_pendingMarkers.ContainsKey(producerId)) return false;
        return _log.Producers.Get(producerId) is { CurrentTxnFirstOffset: >= 0 } producer && producer.Epoch == epoch;
    }

    private void BeginVerification(RecordBatch batch, ProduceRequest request, IActorRef replyTo, long deadline)
    {
        var timeout = VerificationTime(deadline);
        var verification = _verifications.Begin(batch.ProducerId, batch.ProducerEpoch, request.TransactionalId!,
            new VerificationWaiter(request, replyTo, deadline), VerificationDeadline(timeout));
        Ask(verification, timeout);
    }

    private void HandleTransactionVerified(TransactionVerified verified)
    {
        var outcome = _verifications.Complete(verified.ProducerId, verified.Guard, verified.Error == ErrorCode.None);
        if (outcome is null) return; // asked again since (a marker came), or leadership moved
        if (outcome.Refused.Count > 0)
        {
            var (error, message) = TransactionVerification.ProduceError(verified.Error, verified.Message);
            _logger.Info("Refused a transactional batch of producer {ProducerId}: {Error} {Message}", verified.ProducerId, error.KafkaName(), message);
            foreach (var waiter in outcome.Refused) Reply(waiter.ReplyTo, new ProduceResult(error, -1, message));
        }
        var now = NowMs;
        foreach (var waiter in outcome.Retry)
        {
            if (waiter.DeadlineMs <= now)
                Reply(waiter.ReplyTo, new ProduceResult(ErrorCode.RequestTimedOut, -1, $"The batch was not verified for {_partition} in time"));
            else
                HandleProduce(waiter.DeadlineMs == long.MaxValue ? waiter.Request : waiter.Request with { TimeoutMs = (int)(waiter.DeadlineMs - now) },
                    waiter.ReplyTo);
        }
    }

    /// <summary>A marker of the producer came: what was verified is over, and a question out is asked again.</summary>
    private void TransactionEndedHere(long producerId)
    {
        var timeout = VerificationTime(long.MaxValue);
        if (_verifications.TransactionEnded(producerId, VerificationDeadline(timeout)) is { } again) Ask(again, timeout);
    }

    private void ExpireVerifications(long now)
    {
        foreach (var waiter in _verifications.Expire(now))
            Reply(waiter.ReplyTo, new ProduceResult(ErrorCode.NotEnoughReplicas, -1,
                $"Unable to verify the partition has been added to the transaction: no answer in time from the coordinator; retry"));
    }

    private void ForgetPendingMarker(long producerId)
    {
        if (!_pendingMarkers.TryGetValue(producerId, out var count)) return;
        if (count <= 1) _pendingMarkers.Remove(producerId);
        else _pendingMarkers[producerId] = count - 1;
    }

    private void Ask(VerificationRequest verification, TimeSpan timeout) =>
        _context.AddPartitionsToTxnManager.Tell(new VerifyTransaction(verification.TransactionalId, verification.ProducerId,
            verification.ProducerEpoch, _partition.TopicPartition, timeout, verification.Guard));

    private static TimeSpan VerificationTime(long deadline) =>
        TimeSpan.FromMilliseconds(Math.Clamp((deadline - NowMs) / 2, 1, (long)MaxVerificationTime.TotalMilliseconds));

    /// <summary>The manager always answers within the timeout; this is the leader's own limit should an answer be lost.</summary>
    private static long VerificationDeadline(TimeSpan timeout) => NowMs + (long)timeout.TotalMilliseconds + 1000;
}
