using Akka.Actor;
using Akka.Event;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Replication;

/// <summary>
/// The follower's side: open a session with the leader of the current epoch, truncate any
/// suffix the leader does not have (leader-epoch based, KIP-101/KIP-595), then append what
/// the leader pushes, in order, and acknowledge the log end offset.
/// </summary>
public sealed partial class PartitionReplica
{
    private IActorRef? _leaderSession;
    private long _lastHeardFromLeaderMs;
    private long _lastFollowerFetchMs;
    private long _followerFetchRetryAtMs;
    private bool _followerFetchAfterWrite;
    private bool _ackAfterWrite;

    private void BecomeFollower(Role previousRole)
    {
        _role = Role.Follower;
        _followers.Clear();
        _pendingIsrChange = null;
        FailClientWaits(ErrorCode.NotLeaderOrFollower, $"Broker {_context.LocalBrokerId} no longer leads {_partition}");
        _leaderSession = null;
        _ackAfterWrite = false;
        _logger.Info("Leader change: broker {Leader} leads in leader epoch {LeaderEpoch}, this broker follows (was {PreviousRole}), log end offset {LogEndOffset}",
            _state!.Leader, _state.LeaderEpoch, previousRole, _nextOffset);
        SendFollowerFetch();
    }

    private void SendFollowerFetch()
    {
        if (_role != Role.Follower || !_state!.HasLeader) return;
        if (WritesPending)
        {
            // The session must start from a log end offset that is on disk.
            _followerFetchAfterWrite = true;
            return;
        }
        _followerFetchAfterWrite = false;
        _lastFollowerFetchMs = NowMs;
        _context.Regions.ForBroker(_state.Leader).Tell(
            new FollowerFetch(_partition, _state.LeaderEpoch, _context.LocalBrokerId, _log.LogEndOffset, _log.Epochs.LatestEpoch), Self);
    }

    private void FollowerTick(long now)
    {
        if (_followerFetchRetryAtMs > 0 && now >= _followerFetchRetryAtMs)
        {
            _followerFetchRetryAtMs = 0;
            if (_leaderSession is null && _state!.HasLeader) SendFollowerFetch();
            return;
        }
        var quietFor = now - Math.Max(_lastHeardFromLeaderMs, _lastFollowerFetchMs);
        if (quietFor <= _settings.FollowerFetchTimeout.TotalMilliseconds) return;
        if (!_state!.HasLeader) return;
        var silentFor = now - _lastHeardFromLeaderMs;
        if (_lastHeardFromLeaderMs > 0 && silentFor < 2 * _settings.FollowerFetchTimeout.TotalMilliseconds)
            _logger.Info("No word from leader {Leader} (leader epoch {LeaderEpoch}) for {SilentMs} ms; asking for a session again",
                _state.Leader, LeaderEpoch, silentFor);
        SendFollowerFetch();
    }

    private void FollowerAfterWrite()
    {
        if (_ackAfterWrite && _leaderSession is not null && !WritesPendingAfterThisOne())
        {
            _ackAfterWrite = false;
            _leaderSession.Tell(new ReplicaAck(_partition, LeaderEpoch, _context.LocalBrokerId, _log.LogEndOffset, true));
        }
        if (_followerFetchAfterWrite && _queue.Count == 0) SendFollowerFetch();
    }

    // Acknowledge once per group of writes: the acknowledgement of the last one covers all.
    private bool WritesPendingAfterThisOne() => _queue.Count > 0;

    private bool FromCurrentLeader(int leaderEpoch) => _role == Role.Follower && leaderEpoch == LeaderEpoch;

    private void HandleReplicateBatches(ReplicateBatches push)
    {
        if (!FromCurrentLeader(push.LeaderEpoch)) return;
        _leaderSession = Sender;
        _lastHeardFromLeaderMs = NowMs;
        _log.UpdateHighWatermark(Math.Min(push.HighWatermark, _log.LogEndOffset));

        if (push.Batches.Count == 0)
        {
            if (!WritesPending)
                Sender.Tell(new ReplicaAck(_partition, LeaderEpoch, _context.LocalBrokerId, _log.LogEndOffset, true));
            else _ackAfterWrite = true;
            return;
        }
        if (push.FromOffset != _nextOffset)
        {
            // A push was lost or repeated: tell the leader where this log really continues.
            Sender.Tell(new ReplicaAck(_partition, LeaderEpoch, _context.LocalBrokerId, _nextOffset, false));
            return;
        }
        foreach (var bytes in push.Batches)
        {
            var batch = new RecordBatch(bytes);
            Issue(new BatchAppended(bytes));
            _nextOffset = batch.NextOffset;
        }
        _ackAfterWrite = true;
    }

    private void HandleDivergingEpoch(DivergingEpoch diverging)
    {
        if (!FromCurrentLeader(diverging.LeaderEpoch) || WritesPending) return;
        _lastHeardFromLeaderMs = NowMs;
        var (followerEpoch, followerEnd) = _log.Epochs.EndOffsetFor(diverging.Epoch, _log.LogEndOffset);
        long truncateTo;
        if (diverging.Epoch < 0 || followerEpoch < 0)
            truncateTo = Math.Min(diverging.EndOffset < 0 ? _log.LogStartOffset : diverging.EndOffset, _log.LogEndOffset);
        else if (followerEpoch != diverging.Epoch)
            truncateTo = followerEnd; // we never saw the leader's epoch: cut back to ours below it, then ask again
        else
            truncateTo = Math.Min(Math.Min(followerEnd, diverging.EndOffset), _log.LogEndOffset);

        TruncateTo(truncateTo);
    }

    private void TruncateTo(long offset)
    {
        // Truncate at a batch boundary: the batch holding the offset goes whole (the leader resends it).
        if (_log.Tail.Find(offset) is { } holding && holding.BaseOffset < offset) offset = holding.BaseOffset;
        if (offset >= _log.LogEndOffset)
        {
            if (_log.Epochs.Entries.Any(e => e.StartOffset >= offset))
            {
                // Epochs this replica led (or followed) without writing past the log end:
                // forget them, or the leader keeps answering with the same divergence.
                _logger.Info("Truncation: dropping leader epochs begun at the log end {TruncateTo}, which the leader of epoch {LeaderEpoch} does not have",
                    offset, LeaderEpoch);
                _metrics.LogTruncations.Increment();
                Issue(new LogTruncated(offset), SendFollowerFetch);
                return;
            }
            // Nothing to change: ask again on the next tick rather than in a tight loop.
            _logger.Warning("The leader of epoch {LeaderEpoch} reports a divergence at {DivergenceOffset}, where this log already ends",
                LeaderEpoch, offset);
            return;
        }
        _logger.Info("Truncation: from log end offset {LogEndOffset} to {TruncateTo} to match the leader of epoch {LeaderEpoch}",
            _log.LogEndOffset, offset, LeaderEpoch);
        _metrics.LogTruncations.Increment();
        _nextOffset = offset;
        Issue(new LogTruncated(offset), SendFollowerFetch);
    }

    private void HandleResetFollowerLog(ResetFollowerLog reset)
    {
        if (!FromCurrentLeader(reset.LeaderEpoch) || WritesPending) return;
        _lastHeardFromLeaderMs = NowMs;
        _logger.Info("Truncation: the log of the leader of epoch {LeaderEpoch} starts at {LogStartOffset}, past this log's end {LogEndOffset}: starting over there",
            LeaderEpoch, reset.LogStartOffset, _log.LogEndOffset);
        _metrics.LogTruncations.Increment();
        Issue(new LogTruncated(_log.LogStartOffset));
        _nextOffset = _log.LogStartOffset;
        AdvanceLogStart(reset.LogStartOffset, SendFollowerFetch);
    }

    private void HandleFollowerFetchRejected(FollowerFetchRejected rejected)
    {
        if (_role != Role.Follower) return;
        _logger.Info("The leader refused the session: {Error} (its epoch {TheirLeaderEpoch}, ours {LeaderEpoch})",
            rejected.Error.KafkaName(), rejected.LeaderEpoch, LeaderEpoch);
        // The leader is behind us (it has not heard of its own election yet): ask again soon.
        // A fenced epoch (we are behind) settles when the controller's next word arrives.
        if (rejected.Error is ErrorCode.NotLeaderOrFollower or ErrorCode.UnknownLeaderEpoch)
            _followerFetchRetryAtMs = NowMs + (long)_settings.FollowerFetchRetry.TotalMilliseconds;
    }
}
