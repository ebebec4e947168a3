using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Replication;

/// <summary>
/// The leader's side: assign offsets, append, push to followers, move the high watermark to
/// what every ISR member holds, answer producers per acks, shrink and expand the ISR
/// through the controller.
/// </summary>
public sealed partial class PartitionReplica
{
    /// <summary>
    /// A producer waiting for its batch to be written (acks=0 or 1) or committed (acks=all).
    /// acks=0 waits too, with nobody to answer, so that its latency is measured the same way.
    /// </summary>
    private readonly record struct ProduceWaiter(IActorRef ReplyTo, long BaseOffset, long RequiredOffset, Acks Acks, long DeadlineMs)
    {
        public long StartedAt { get; } = Stopwatch.GetTimestamp();
    }

    /// <summary>Idempotent batches appended but not yet persisted, per producer id.</summary>
    private sealed record PendingProducer(short Epoch, List<BatchMetadata> Batches)
    {
        /// <summary>A transactional batch is among them: the producer has a transaction open here.</summary>
        public bool Transactional { get; set; }
    }

    private readonly Dictionary<int, FollowerProgress> _followers = new();
    private readonly List<ProduceWaiter> _produceWaiters = new();
    private readonly Dictionary<long, PendingProducer> _pendingProducers = new();
    private AlterPartition? _pendingIsrChange;
    private long _pendingIsrChangeSentMs;
    private long _isrChangeBackoffUntilMs;
    private long _epochStartOffset;
    private long _followerSessionCounter;

    private void BecomeLeader(Role previousRole)
    {
        var state = _state!;
        _role = Role.Leader;
        _pendingIsrChange = null;
        _followers.Clear();
        var now = NowMs;
        foreach (var replica in state.Replicas)
            if (replica != _context.LocalBrokerId)
                _followers[replica] = new FollowerProgress(replica, now) { NextOffset = _nextOffset };
        _epochStartOffset = _nextOffset;
        _logger.Info("Leader change: this broker leads in leader epoch {LeaderEpoch} (was {PreviousRole}), ISR [{Isr}], log end offset {LogEndOffset}",
            state.LeaderEpoch, previousRole, string.Join(",", state.Isr), _nextOffset);
        if (state.LeaderEpoch > _log.Epochs.LatestEpoch) Issue(new LeaderEpochStarted(state.LeaderEpoch, _nextOffset));
        MaybeAdvanceHighWatermark();
    }

    private void OnPartitionStateUpdated(PartitionState state)
    {
        var previous = _state!;
        _state = state;
        if (_role != Role.Leader) return;
        ReportIsrChange(previous, state);
        var now = NowMs;
        foreach (var replica in state.Replicas)
            if (replica != _context.LocalBrokerId && !_followers.ContainsKey(replica))
                _followers[replica] = new FollowerProgress(replica, now) { NextOffset = _log.LogEndOffset };
        foreach (var gone in _followers.Keys.Where(b => !state.Replicas.Contains(b)).ToList())
            _followers.Remove(gone);
        if (_pendingIsrChange is not null && state.PartitionEpoch > _pendingIsrChange.PartitionEpoch) _pendingIsrChange = null;
        MaybeAdvanceHighWatermark();
        CompleteProduceWaiters();
    }

    // ---------------------------------------------------------------- produce

    private void HandleProduce(ProduceRequest request, IActorRef replyTo)
    {
        if (_role != Role.Leader)
        {
            Reply(replyTo, new ProduceResult(ErrorCode.NotLeaderOrFollower, -1, $"Broker {_context.LocalBrokerId} does not lead {_partition}"));
            return;
        }

        var bytes = request.Batch;
        var batch = new RecordBatch(bytes);
        if (bytes.Length > _config.MaxMessageBytes)
        {
            Reply(replyTo, new ProduceResult(ErrorCode.MessageTooLarge, -1,
                $"The batch has {bytes.Length} bytes; the topic's max.message.bytes is {_config.MaxMessageBytes}"));
            return;
        }
        if (request.Acks == Acks.All && ResponsiveIsrSize(NowMs) < _config.MinInsyncReplicas)
        {
            Reply(replyTo, new ProduceResult(ErrorCode.NotEnoughReplicas, -1,
                $"Only {ResponsiveIsrSize(NowMs)} of the ISR [{string.Join(",", _state!.Isr)}] of {_partition} are in sync, fewer than min.insync.replicas={_config.MinInsyncReplicas}"));
            return;
        }

        // acks=0 comes without a timeout (the producer does not wait): its waiter lasts until the write.
        var deadline = request.Acks == Acks.None ? long.MaxValue : NowMs + request.TimeoutMs;
        if (batch.IsControl)
        {
            AppendTransactionMarker(batch, bytes, replyTo, request.Acks, deadline);
            return;
        }
        if (batch.ProducerId >= 0)
        {
            if (_verifications.IsPending(batch.ProducerId))
            {
                // The producer's transaction is being verified: its batches wait, in order, and are checked after.
                _verifications.Queue(batch.ProducerId, batch.ProducerEpoch, new VerificationWaiter(request, replyTo, deadline));
                return;
            }
            var check = CheckProducerSequence(batch);
            if (check.Error == ErrorCode.InvalidProducerEpoch && batch.IsTransactional)
                check = check with { Error = ErrorCode.ProducerFenced };
            if (check.IsDuplicate)
            {
                var original = check.Duplicate!.Value;
                WaitFor(new ProduceWaiter(replyTo, original.FirstOffset, original.LastOffset + 1, request.Acks, deadline));
                return;
            }
            if (check.Error != ErrorCode.None)
            {
                Reply(replyTo, new ProduceResult(check.Error, -1, check.Message));
                return;
            }
            if (NeedsVerification(batch, request.TransactionalId))
            {
                BeginVerification(batch, request, replyTo, deadline);
                return;
            }
        }

        var baseOffset = _nextOffset;
        RecordBatch.SetBaseOffset(bytes, baseOffset);
        RecordBatch.SetPartitionLeaderEpoch(bytes, LeaderEpoch);
        _nextOffset = baseOffset + batch.LastOffsetDelta + 1;

        if (batch.ProducerId >= 0) TrackPendingProducerBatch(batch, baseOffset);
        Issue(new BatchAppended(bytes), batch.ProducerId >= 0 ? () => ForgetPendingProducerBatch(batch.ProducerId) : null);
        _metrics.ProduceRecords.Add(batch.RecordCount);
        WaitFor(new ProduceWaiter(replyTo, baseOffset, _nextOffset, request.Acks, deadline));
    }

    /// <summary>
    /// A transaction marker (commit or abort) from the transaction coordinator. It ends the
    /// producer's open transaction in this partition, which moves the last stable offset. A
    /// marker from an older producer epoch is fenced; one for a producer with no open
    /// transaction here (a retried marker) is acknowledged without appending anything.
    /// </summary>
    private void AppendTransactionMarker(RecordBatch batch, byte[] bytes, IActorRef replyTo, Acks acks, long deadline)
    {
        var producer = _log.Producers.Get(batch.ProducerId);
        var pending = _pendingProducers.GetValueOrDefault(batch.ProducerId);
        var currentEpoch = pending?.Epoch ?? producer?.Epoch ?? -1;
        if (batch.ProducerEpoch < currentEpoch)
        {
            Reply(replyTo, new ProduceResult(ErrorCode.ProducerFenced, -1,
                $"Marker epoch {batch.ProducerEpoch} of producer {batch.ProducerId} is older than {currentEpoch}"));
            return;
        }
        // The transaction is over here, appended or not: a verification of it that is out can no longer be trusted.
        TransactionEndedHere(batch.ProducerId);
        var open = producer is { CurrentTxnFirstOffset: >= 0 } || pending is { Transactional: true };
        if (!open)
        {
            Reply(replyTo, new ProduceResult(ErrorCode.None, -1));
            return;
        }
        var baseOffset = _nextOffset;
        RecordBatch.SetBaseOffset(bytes, baseOffset);
        RecordBatch.SetPartitionLeaderEpoch(bytes, LeaderEpoch);
        _nextOffset = baseOffset + batch.LastOffsetDelta + 1;
        if (pending is not null) pending.Transactional = false;
        var producerId = batch.ProducerId;
        _pendingMarkers[producerId] = _pendingMarkers.GetValueOrDefault(producerId) + 1;
        Issue(new BatchAppended(bytes), () => ForgetPendingMarker(producerId));
        WaitFor(new ProduceWaiter(replyTo, baseOffset, _nextOffset, acks, deadline));
    }

    /// <summary>
    /// ISR members that can still acknowledge: the leader, and followers heard from within
    /// replica.lag.time.max. Normally the controller has already shrunk the ISR to these; when
    /// it cannot (no majority to write metadata) acks=all is refused here instead of timing out.
    /// </summary>
    private int ResponsiveIsrSize(long now) =>
        _state!.Isr.Count(b => b == _context.LocalBrokerId ||
                               _followers.TryGetValue(b, out var f) && now - f.LastAckMs <= _settings.ReplicaLagTimeMax.TotalMilliseconds);

    private SequenceCheck CheckProducerSequence(RecordBatch batch)
    {
        var pending = _pendingProducers.GetValueOrDefault(batch.ProducerId);
        return _log.Producers.Check(batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence, batch.LastSequence,
            pending?.Epoch ?? -1, pending?.Batches ?? (IReadOnlyList<BatchMetadata>)Array.Empty<BatchMetadata>());
    }

    private void TrackPendingProducerBatch(RecordBatch batch, long baseOffset)
    {
        if (!_pendingProducers.TryGetValue(batch.ProducerId, out var pending) || pending.Epoch != batch.ProducerEpoch)
            _pendingProducers[batch.ProducerId] = pending = new PendingProducer(batch.ProducerEpoch, new List<BatchMetadata>());
        pending.Batches.Add(new BatchMetadata(batch.BaseSequence, batch.LastSequence, baseOffset, baseOffset + batch.LastOffsetDelta));
        if (batch.IsTransactional) pending.Transactional = true;
    }

    private void ForgetPendingProducerBatch(long producerId)
    {
        if (!_pendingProducers.TryGetValue(producerId, out var pending)) return;
        pending.Batches.RemoveAt(0);
        if (pending.Batches.Count == 0) _pendingProducers.Remove(producerId);
    }

    private void WaitFor(ProduceWaiter waiter)
    {
        if (!TryComplete(waiter)) _produceWaiters.Add(waiter);
    }

    private static void Reply(IActorRef replyTo, object message)
    {
        if (!replyTo.IsNobody()) replyTo.Tell(message);
    }

    private bool TryComplete(ProduceWaiter waiter)
    {
        if (waiter.Acks != Acks.All)
        {
            if (_log.LogEndOffset < waiter.RequiredOffset) return false;
            _metrics.RecordProduceLatency(waiter.Acks, waiter.StartedAt);
            Reply(waiter.ReplyTo, new ProduceResult(ErrorCode.None, waiter.BaseOffset));
            return true;
        }
        if (_log.HighWatermark < waiter.RequiredOffset) return false;
        _metrics.RecordProduceLatency(waiter.Acks, waiter.StartedAt);
        // Committed, but Kafka still refuses to call it safe with too small an ISR.
        Reply(waiter.ReplyTo, _state!.Isr.Length >= _config.MinInsyncReplicas
            ? new ProduceResult(ErrorCode.None, waiter.BaseOffset)
            : new ProduceResult(ErrorCode.NotEnoughReplicasAfterAppend, waiter.BaseOffset,
                $"Written, but the ISR shrank below min.insync.replicas={_config.MinInsyncReplicas}"));
        return true;
    }

    private void CompleteProduceWaiters()
    {
        if (_produceWaiters.Count > 0) _produceWaiters.RemoveAll(TryComplete);
    }

    private void ExpireProduceWaiters(long now)
    {
        _produceWaiters.RemoveAll(w =>
        {
            if (w.DeadlineMs > now) return false;
            _metrics.RecordProduceLatency(w.Acks, w.StartedAt);
            Reply(w.ReplyTo, new ProduceResult(ErrorCode.RequestTimedOut, -1,
                w.Acks == Acks.All
                    ? $"Not every ISR member of {_partition} acknowledged the batch in time"
                    : $"The batch was not written to {_partition} in time"));
            return true;
        });
    }

    private void FailProduceWaiters(ErrorCode error, string message)
    {
        foreach (var w in _produceWaiters) Reply(w.ReplyTo, new ProduceResult(error, -1, message));
        _produceWaiters.Clear();
        _pendingProducers.Clear();
        _pendingMarkers.Clear();
        foreach (var w in _verifications.Clear()) Reply(w.ReplyTo, new ProduceResult(error, -1, message));
    }

    private void LeaderAfterWrite()
    {
        MaybeAdvanceHighWatermark();
        CompleteProduceWaiters();
        foreach (var follower in _followers.Values) PushTo(follower);
    }

    // ---------------------------------------------------------------- high watermark and ISR

    /// <summary>
    /// The ISR the high watermark must respect: while a change is pending, the union of the
    /// current and the proposed ISR (Kafka's "maximal ISR"), so it never runs ahead of a
    /// replica that might still count.
    /// </summary>
    private IEnumerable<int> MaximalIsr =>
        _pendingIsrChange is null ? _state!.Isr : _state!.Isr.Union(_pendingIsrChange.NewIsr);

    private void MaybeAdvanceHighWatermark()
    {
        if (_role != Role.Leader) return;
        var hw = _log.LogEndOffset;
        foreach (var member in MaximalIsr)
        {
            if (member == _context.LocalBrokerId) continue;
            var followerEnd = _followers.TryGetValue(member, out var f) ? f.LogEndOffset : -1;
            hw = Math.Min(hw, followerEnd);
        }
        if (hw <= _log.HighWatermark) return;
        _log.UpdateHighWatermark(hw);
        CompleteProduceWaiters();
        CompleteDelayedFetches();
    }

    private void LeaderTick(long now)
    {
        ExpireProduceWaiters(now);
        ExpireVerifications(now);
        foreach (var follower in _followers.Values)
        {
            if (follower.Session is null) continue;
            if (follower.InFlight.Count > 0 && now - follower.LastAckMs > _settings.ResendAfter.TotalMilliseconds &&
                now - follower.InFlight.Peek().SentAtMs > _settings.ResendAfter.TotalMilliseconds)
            {
                // A push or its acknowledgement was lost (Akka.Remote is at-most-once): resend.
                follower.Restart(Math.Max(follower.LogEndOffset, _log.LogStartOffset));
            }
            PushTo(follower);
            if (now - follower.LastSentMs >= _settings.HeartbeatInterval.TotalMilliseconds) SendHeartbeat(follower, now);
        }
        MaybeChangeIsr(now);
    }

    private void MaybeChangeIsr(long now)
    {
        var state = _state!;
        if (now < _isrChangeBackoffUntilMs) return;
        if (_pendingIsrChange is not null)
        {
            if (now - _pendingIsrChangeSentMs < 5000) return;
            _pendingIsrChange = null; // lost on the way: decide again
        }

        var lagMs = _settings.ReplicaLagTimeMax.TotalMilliseconds;
        var isr = state.Isr.ToList();
        var lagging = isr.Where(b => b != _context.LocalBrokerId &&
                                     (!_followers.TryGetValue(b, out var f) || now - f.LastCaughtUpMs > lagMs)).ToList();
        // Only a follower that is answering now may join: one that went silent (cut off, dead)
        // can still look caught up from what it acknowledged before.
        var responsiveMs = Math.Max(1000, 4 * _settings.HeartbeatInterval.TotalMilliseconds);
        var caughtUp = _followers.Values.Where(f => !isr.Contains(f.BrokerId) && f.Session is not null &&
                                                    now - f.LastAckMs < responsiveMs &&
                                                    f.LogEndOffset >= _log.HighWatermark && f.LogEndOffset >= _epochStartOffset)
            .Select(f => f.BrokerId).ToList();
        if (lagging.Count == 0 && caughtUp.Count == 0) return;

        var newIsr = isr.Except(lagging).Concat(caughtUp).OrderBy(b => Array.IndexOf(state.Replicas, b)).ToArray();
        _logger.Info("Asking the controller to change the ISR from [{Isr}] to [{ProposedIsr}] (leader epoch {LeaderEpoch}; lagging [{Lagging}], caught up [{CaughtUp}])",
            string.Join(",", isr), string.Join(",", newIsr), state.LeaderEpoch,
            string.Join(",", lagging), string.Join(",", caughtUp));
        _pendingIsrChange = new AlterPartition(_partition, _context.LocalBrokerId, state.LeaderEpoch, state.PartitionEpoch, newIsr);
        _pendingIsrChangeSentMs = now;
        _context.Controller.Tell(_pendingIsrChange);
    }

    private void HandleAlterPartitionResult(AlterPartitionResult result)
    {
        _pendingIsrChange = null;
        if (result.Error != ErrorCode.None || result.State is null)
        {
            // The controller knows better (a broker it saw die, a newer epoch): wait for its
            // next word rather than asking again at once.
            _logger.Info("The controller refused the ISR change: {Error} (leader epoch {LeaderEpoch})", result.Error.KafkaName(), LeaderEpoch);
            _isrChangeBackoffUntilMs = NowMs + 1000;
            return;
        }
        if (_state is not null && result.State.LeaderEpoch == _state.LeaderEpoch && result.State.PartitionEpoch > _state.PartitionEpoch)
            OnPartitionStateUpdated(result.State);
    }

    // ---------------------------------------------------------------- followers

    private void HandleFollowerFetch(FollowerFetch fetch)
    {
        if (_role != Role.Leader || fetch.LeaderEpoch != LeaderEpoch)
        {
            var error = _role != Role.Leader ? ErrorCode.NotLeaderOrFollower
                : fetch.LeaderEpoch < LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch;
            _logger.Info("Refused a session from follower {FollowerId} for epoch {FollowerLeaderEpoch}: {Error} (this replica: {Role}, leader epoch {LeaderEpoch})",
                fetch.FollowerId, fetch.LeaderEpoch, error.KafkaName(), _role, LeaderEpoch);
            Sender.Tell(new FollowerFetchRejected(_partition, error, LeaderEpoch));
            return;
        }
        if (!_followers.TryGetValue(fetch.FollowerId, out var follower))
        {
            _logger.Info("Refused a session from broker {FollowerId}: not a replica of leader epoch {LeaderEpoch}", fetch.FollowerId, LeaderEpoch);
            Sender.Tell(new FollowerFetchRejected(_partition, ErrorCode.NotLeaderOrFollower, LeaderEpoch));
            return;
        }

        if (fetch.FetchOffset < _log.LogStartOffset)
        {
            Sender.Tell(new ResetFollowerLog(_partition, LeaderEpoch, _log.LogStartOffset));
            return;
        }
        if (fetch.LastFetchedEpoch >= 0 || fetch.FetchOffset > _log.LogEndOffset)
        {
            var (epoch, endOffset) = _log.Epochs.EndOffsetFor(
                fetch.LastFetchedEpoch >= 0 ? fetch.LastFetchedEpoch : int.MaxValue, _log.LogEndOffset);
            if (epoch < 0 && fetch.FetchOffset > _log.LogStartOffset)
            {
                Sender.Tell(new ResetFollowerLog(_partition, LeaderEpoch, _log.LogStartOffset));
                return;
            }
            if (epoch < fetch.LastFetchedEpoch || endOffset < fetch.FetchOffset)
            {
                Sender.Tell(new DivergingEpoch(_partition, LeaderEpoch, epoch, endOffset));
                return;
            }
        }

        follower.Session = Sender;
        follower.SessionId = ++_followerSessionCounter;
        follower.LogEndOffset = fetch.FetchOffset;
        follower.LastAckMs = NowMs;
        follower.Restart(fetch.FetchOffset);
        if (fetch.FetchOffset >= _log.LogEndOffset) follower.LastCaughtUpMs = NowMs;
        _logger.Info("Follower {FollowerId} joined leader epoch {LeaderEpoch} at offset {FetchOffset} (leader log end {LogEndOffset})",
            fetch.FollowerId, LeaderEpoch, fetch.FetchOffset, _log.LogEndOffset);
        MaybeAdvanceHighWatermark();
        PushTo(follower);
        if (follower.InFlight.Count == 0) SendHeartbeat(follower, NowMs);
    }

    private void HandleReplicaAck(ReplicaAck ack)
    {
        if (_role != Role.Leader || ack.LeaderEpoch != LeaderEpoch || !_followers.TryGetValue(ack.FollowerId, out var follower))
            return;
        var now = NowMs;
        if (!ack.Accepted)
        {
            // The follower's log does not continue where we pushed: resume where it says.
            follower.LogEndOffset = ack.LogEndOffset;
            follower.LastAckMs = now;
            follower.Restart(ack.LogEndOffset);
        }
        else
        {
            follower.Acknowledge(ack.LogEndOffset, now);
        }
        if (follower.LogEndOffset >= _log.LogEndOffset) follower.LastCaughtUpMs = now;
        MaybeAdvanceHighWatermark();
        PushTo(follower);
    }

    private void PushTo(FollowerProgress follower)
    {
        while (follower.Session is not null && !follower.ReadPending &&
               follower.NextOffset < _log.LogEndOffset && follower.InFlightBytes < _settings.FollowerWindowBytes)
        {
            if (follower.NextOffset < _log.LogStartOffset)
            {
                follower.Session.Tell(new ResetFollowerLog(_partition, LeaderEpoch, _log.LogStartOffset));
                follower.Session = null;
                return;
            }
            if (!_log.Tail.Covers(follower.NextOffset))
            {
                follower.ReadPending = true;
                ReadFromJournal(follower.NextOffset, _log.LogEndOffset, _settings.MaxPushBytes,
                    new FollowerRead(follower.BrokerId, follower.SessionId, follower.NextOffset));
                return;
            }
            Send(follower, _log.Tail.Read(follower.NextOffset, _log.LogEndOffset, _settings.MaxPushBytes));
        }
    }

    private sealed record FollowerRead(int BrokerId, long SessionId, long FromOffset);

    private void OnFollowerRead(FollowerRead tag, List<byte[]> batches)
    {
        if (_role != Role.Leader || !_followers.TryGetValue(tag.BrokerId, out var follower) || follower.SessionId != tag.SessionId)
            return;
        follower.ReadPending = false;
        if (follower.NextOffset != tag.FromOffset) return;
        if (batches.Count > 0) Send(follower, batches);
        PushTo(follower);
    }

    private void Send(FollowerProgress follower, List<byte[]> batches)
    {
        if (batches.Count == 0) return;
        var now = NowMs;
        var end = new RecordBatch(batches[^1]).NextOffset;
        var bytes = batches.Sum(b => b.Length);
        follower.Session!.Tell(new ReplicateBatches(_partition, LeaderEpoch, follower.NextOffset, batches, _log.HighWatermark, _log.LogStartOffset));
        follower.InFlight.Enqueue(new InFlightPush(end, bytes, now, end >= _log.LogEndOffset));
        follower.InFlightBytes += bytes;
        follower.NextOffset = end;
        follower.LastSentMs = now;
    }

    /// <summary>Nothing new to push: tell the follower the high watermark, and learn whether it is still caught up.</summary>
    private void SendHeartbeat(FollowerProgress follower, long now)
    {
        if (follower.Session is null) return;
        follower.Session.Tell(new ReplicateBatches(_partition, LeaderEpoch, follower.NextOffset, Array.Empty<byte[]>(),
            _log.HighWatermark, _log.LogStartOffset));
        follower.InFlight.Enqueue(new InFlightPush(follower.NextOffset, 0, now, follower.NextOffset >= _log.LogEndOffset));
        follower.LastSentMs = now;
    }
}
