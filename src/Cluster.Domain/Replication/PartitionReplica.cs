using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Metrics;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Replication;

/// <summary>
/// One replica of one partition on one broker: a persistent actor whose journal is the
/// partition's log. It is leader or follower as the controller's latest epoch says
/// (<see cref="BecomeLeaderOrFollower"/>). This file holds recovery, the write pipeline and
/// dispatch; the roles and reads live in the other parts of this partial class.
/// </summary>
public sealed partial class PartitionReplica : UntypedPersistentActor, IWithTimers
{
    private enum Role { None, Leader, Follower }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class RetentionTick
    {
        public static readonly RetentionTick Instance = new();
    }

    private readonly TopicIdPartition _partition;
    private readonly ReplicaContext _context;
    private readonly ReplicaSettings _settings;
    private readonly PartitionLog _log;
    private readonly ILoggingAdapter _logger;
    private readonly NodeMetrics _metrics;

    private PartitionState? _state;
    private TopicConfig _config = TopicConfig.Default;
    private Role _role = Role.None;

    // The log end offset once everything queued and in flight is written: where the next
    // batch goes. The persisted end is _log.LogEndOffset.
    private long _nextOffset;

    // Group commit: while one journal write is in flight, later events queue up and go
    // together in the next write. One write at a time also means a failed write can never
    // leave a later batch persisted after a missing one.
    private readonly List<(ILogEvent Event, Action? Persisted)> _queue = new();
    private bool _writing;
    private long _writeStartedAt;

    private long _eventsSinceSnapshot;
    private long _bytesSinceSnapshot;
    private bool _snapshotInFlight;
    private long _deleteJournalAfterSnapshot = -1;
    private bool _stopping;
    private long _eventsReplayedOnRecovery;

    public PartitionReplica(TopicIdPartition partition, ReplicaContext context)
    {
        _partition = partition;
        _context = context;
        _settings = context.Settings;
        _log = new PartitionLog(context.Settings.Log);
        _metrics = BrokerMetrics.ForBroker(context.LocalBrokerId);
        // Every line this replica logs carries its broker and partition as fields.
        _logger = Context.GetLogger()
            .WithContext("BrokerId", context.LocalBrokerId)
            .WithContext("TopicPartition", partition.ToString());
    }

    public static Props Props(string entityId, ReplicaContext context) =>
        Akka.Actor.Props.Create(() => new PartitionReplica(TopicIdPartition.ParseEntityId(entityId), context));

    public override string PersistenceId => _partition.EntityId;

    public ITimerScheduler Timers { get; set; } = null!;

    private static long NowMs => Environment.TickCount64;

    private int LeaderEpoch => _state?.LeaderEpoch ?? -1;

    // ---------------------------------------------------------------- recovery

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer offer when offer.Snapshot is PartitionSnapshot snapshot:
                _log.Restore(snapshot, offer.Metadata.SequenceNr);
                break;
            case ILogEvent logEvent:
                _log.Apply(logEvent, LastSequenceNr);
                _eventsSinceSnapshot++;
                _eventsReplayedOnRecovery++;
                break;
            case RecoveryCompleted:
                // The highest sequence number may belong to a deleted event (retention keeps
                // the journal's last row): continue numbering after it.
                _log.AdvanceSeqNr(LastSequenceNr);
                _nextOffset = _log.LogEndOffset;
                Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.TickInterval);
                Timers.StartPeriodicTimer("retention", RetentionTick.Instance, _settings.RetentionCheckInterval);
                _context.ReplicaManager.Tell(new ReplicaStarted(_partition));
                break;
        }
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _logger.Error(reason, "The replica failed to recover its log; it stops and is restarted on the next message");
        base.OnRecoveryFailure(reason, message);
    }

    // ---------------------------------------------------------------- commands

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ProduceRequest produce:
                _metrics.ProduceRequests.Increment();
                HandleProduce(produce, produce.Acks == Acks.None ? ActorRefs.Nobody : Sender);
                break;
            case TransactionVerified verified: HandleTransactionVerified(verified); break;
            case FetchRequest fetch:
                _metrics.FetchRequests.Increment();
                HandleFetch(fetch, Sender);
                break;
            case ReplicateBatches push: HandleReplicateBatches(push); break;
            case ReplicaAck ack: HandleReplicaAck(ack); break;
            case FollowerFetch fetch: HandleFollowerFetch(fetch); break;
            case DivergingEpoch diverging: HandleDivergingEpoch(diverging); break;
            case ResetFollowerLog reset: HandleResetFollowerLog(reset); break;
            case FollowerFetchRejected rejected: HandleFollowerFetchRejected(rejected); break;
            case RangeRead read: HandleRangeRead(read); break;
            case ListOffsetsRequest list: HandleListOffsets(list); break;
            case DescribeReplica: Sender.Tell(Status()); break;
            case ReadReplicaLog read: HandleReadReplicaLog(read); break;
            case BecomeLeaderOrFollower change:
                HandleStateChange(change);
                Sender.Tell(new ReplicaRoleTaken(_partition, LeaderEpoch));
                break;
            case AlterPartitionResult result: HandleAlterPartitionResult(result); break;
            case StopReplica stop: HandleStop(stop); break;
            case Tick: OnTick(); break;
            case RetentionTick: ApplyRetention(); break;
            case SaveSnapshotSuccess saved: HandleSnapshotSaved(saved.Metadata); break;
            case SaveSnapshotFailure failed:
                _snapshotInFlight = false;
                _logger.Warning("Snapshot failed: {Failure}", failed.Cause.Message);
                break;
            case DeleteMessagesSuccess when _stopping:
                Context.Stop(Self);
                break;
            case DeleteMessagesSuccess or DeleteMessagesFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private ReplicaStatus Status() => new(
        _role == Role.Leader ? ErrorCode.None : ErrorCode.NotLeaderOrFollower,
        _role == Role.Leader,
        LeaderEpoch,
        _log.LogStartOffset,
        _log.HighWatermark,
        _log.LastStableOffset,
        _log.LogEndOffset,
        _log.SizeInBytes,
        _eventsReplayedOnRecovery);

    private void HandleStateChange(BecomeLeaderOrFollower change)
    {
        var state = change.State;
        _config = change.Config;
        if (_state is not null && state.LeaderEpoch < _state.LeaderEpoch) return;
        if (_state is not null && state.LeaderEpoch == _state.LeaderEpoch && _role != Role.None)
        {
            // Same leadership: only the ISR or the replica set may have moved.
            if (state.PartitionEpoch > _state.PartitionEpoch) OnPartitionStateUpdated(state);
            return;
        }

        var previousRole = _role;
        _state = state;
        if (state.Leader == _context.LocalBrokerId) BecomeLeader(previousRole);
        else if (state.Replicas.Contains(_context.LocalBrokerId)) BecomeFollower(previousRole);
        else
        {
            _role = Role.None;
            FailClientWaits(ErrorCode.NotLeaderOrFollower, "This replica is no longer assigned");
        }
        PublishMetrics();
    }

    private void HandleStop(StopReplica stop)
    {
        _logger.Info("Stopping the replica (delete log: {DeleteLog})", stop.DeleteLog);
        FailClientWaits(ErrorCode.UnknownTopicOrPartition, "The topic was deleted");
        _role = Role.None;
        if (!stop.DeleteLog)
        {
            Context.Stop(Self);
            return;
        }
        _stopping = true;
        DeleteSnapshots(SnapshotSelectionCriteria.Latest);
        DeleteMessages(long.MaxValue);
    }

    private void OnTick()
    {
        var now = NowMs;
        if (_role == Role.Leader) LeaderTick(now);
        else if (_role == Role.Follower) FollowerTick(now);
        ExpireDelayedFetches(now);
        PublishMetrics();
    }

    private void FailClientWaits(ErrorCode error, string message)
    {
        FailProduceWaiters(error, message);
        FailDelayedFetches(error, message);
    }

    // ---------------------------------------------------------------- write pipeline

    /// <summary>Queue an event for the journal; <paramref name="persisted"/> runs once it is written and applied.</summary>
    private void Issue(ILogEvent logEvent, Action? persisted = null)
    {
        _queue.Add((logEvent, persisted));
        if (!_writing) Flush();
    }

    private bool WritesPending => _writing || _queue.Count > 0;

    private void Flush()
    {
        if (_queue.Count == 0) return;
        var items = _queue.ToArray();
        _queue.Clear();
        _writing = true;
        _writeStartedAt = Stopwatch.GetTimestamp();
        var handled = 0;
        PersistAllAsync(items.Select(i => i.Event), persisted =>
        {
            var item = items[handled++];
            _log.Apply(persisted, _log.LastSeqNr + 1);
            _eventsSinceSnapshot++;
            if (persisted is BatchAppended appended) _bytesSinceSnapshot += appended.Batch.Length;
            item.Persisted?.Invoke();
            if (handled == items.Length) OnWriteCompleted();
        });
    }

    private void OnWriteCompleted()
    {
        _writing = false;
        _metrics.RecordJournalWrite(_writeStartedAt);
        if (_role == Role.Leader) LeaderAfterWrite();
        else if (_role == Role.Follower) FollowerAfterWrite();
        MaybeSnapshot();
        Flush();
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _logger.Error(cause, "Journal write failed at sequence {SequenceNr}; failing pending requests and restarting from the journal",
            sequenceNr);
        FailClientWaits(ErrorCode.KafkaStorageError, "The partition's log could not be written: " + cause.Message);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _logger.Error(cause, "The journal rejected an event at sequence {SequenceNr}", sequenceNr);
        FailClientWaits(ErrorCode.KafkaStorageError, "The partition's log rejected the write: " + cause.Message);
        // Offsets were already handed out for what follows: start again from the journal.
        Context.Stop(Self);
    }

    // ---------------------------------------------------------------- snapshots and retention

    private void MaybeSnapshot()
    {
        if (_eventsSinceSnapshot >= _settings.SnapshotEveryEvents || _bytesSinceSnapshot >= _settings.SnapshotEveryBytes)
            TakeSnapshot();
    }

    private void TakeSnapshot()
    {
        if (_snapshotInFlight) return;
        _snapshotInFlight = true;
        _eventsSinceSnapshot = 0;
        _bytesSinceSnapshot = 0;
        // Our own metadata, not LastSequenceNr: events in flight are not in this state yet.
        SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(PersistenceId, _log.LastSeqNr, DateTime.UtcNow), _log.ToSnapshot()), Self);
    }

    private void HandleSnapshotSaved(SnapshotMetadata metadata)
    {
        _snapshotInFlight = false;
        DeleteSnapshots(new SnapshotSelectionCriteria(metadata.SequenceNr - 1));
        if (_deleteJournalAfterSnapshot > 0 && metadata.SequenceNr >= _deleteJournalAfterSnapshot)
        {
            DeleteMessages(_deleteJournalAfterSnapshot);
            _deleteJournalAfterSnapshot = -1;
        }
    }

    private sealed record RetentionRead;

    private bool _retentionReadPending;

    private void ApplyRetention()
    {
        if (_role == Role.None || _stopping || _retentionReadPending) return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var target = _log.RetentionTarget(now, _config.RetentionMs, _config.RetentionBytes);
        if (target > _log.LogStartOffset)
        {
            AdvanceLogStart(target);
            return;
        }
        if (!_log.MayRetainPartOfFirstSpan(now, _config.RetentionMs, _config.RetentionBytes)) return;

        // Batch-exact retention inside the oldest index span: read its batches back.
        var first = _log.Index.Entries[0];
        var spanBytes = (int)Math.Min(int.MaxValue / 2, _log.Index.SpanBytes(0));
        if (_log.Tail.Covers(first.BaseOffset))
        {
            OnRetentionRead(_log.Tail.ReadEntries(first.BaseOffset, _log.HighWatermark, spanBytes).ConvertAll(b => (b.SeqNr, b.Bytes)));
            return;
        }
        _retentionReadPending = true;
        ReadFromJournal(first.BaseOffset, _log.HighWatermark, spanBytes, new RetentionRead());
    }

    private void OnRetentionRead(List<(long SeqNr, byte[] Bytes)> spanBatches)
    {
        _retentionReadPending = false;
        if (_role == Role.None || _stopping || spanBatches.Count == 0) return;
        var cut = _log.RetentionCut(spanBatches, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _config.RetentionMs, _config.RetentionBytes);
        if (cut is not null && cut.Offset > _log.LogStartOffset) AdvanceLogStart(cut);
    }

    /// <summary>
    /// Move the log start and delete what lies below from the journal. The delete waits for a
    /// snapshot taken after the move, so recovery never needs a deleted event.
    /// </summary>
    private void AdvanceLogStart(long offset, Action? persisted = null) => AdvanceLogStart(new LogStartOffsetAdvanced(offset), persisted);

    private void AdvanceLogStart(LogStartOffsetAdvanced advance, Action? persisted = null)
    {
        var offset = advance.Offset;
        Issue(advance, () =>
        {
            _logger.Info("Log start offset is now {LogStartOffset}", _log.LogStartOffset);
            _deleteJournalAfterSnapshot = _log.DeletableUpToSeqNr;
            _snapshotInFlight = false;
            TakeSnapshot();
            persisted?.Invoke();
        });
        if (_nextOffset < offset) _nextOffset = offset;
    }
}
