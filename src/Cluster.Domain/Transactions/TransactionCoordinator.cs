using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Transactions;

/// <summary>What every coordinator of a node shares.</summary>
public sealed record TransactionCoordinatorContext(
    ITransactionStateLog Log,
    ITransactionParticipants Participants,
    Func<CancellationToken, Task<(ErrorCode Error, long ProducerId)>> NextProducerId,
    TransactionSettings Settings,
    int BrokerId,
    Func<long> Clock);

/// <summary>
/// The coordinator of one transactional id (Kafka's TransactionCoordinator, for one id): a
/// sharded entity of the <c>transaction-coordinator</c> region, so it lives on one node at a
/// time and moves when that node fails. On start it reads the id's newest state back from its
/// <c>__transaction_state</c> partition (requests wait meanwhile); a state found in
/// PrepareCommit or PrepareAbort is completed at once: the decision was durable, the markers
/// may not all be.
///
/// One thing at a time: a request that changes the state is decided by
/// <see cref="TransactionMetadata"/>, the new state is written with acks=all, and only then
/// applied and answered; requests that arrive meanwhile queue. Commit and abort are Kafka's two
/// phases: write PrepareCommit/PrepareAbort, then a marker to every partition of the
/// transaction and the outcome to every group with offsets in it (each retried until it is
/// taken), then write CompleteCommit/CompleteAbort and answer. Before the markers it waits for
/// the transaction's produce and offset requests still in flight (their leases), so none of
/// their batches lands behind a marker.
///
/// A write whose outcome is unknown (it failed or timed out) is answered with its error and
/// the state is read back from the log, which has the final word.
/// </summary>
public sealed class TransactionCoordinator : UntypedActor, IWithTimers
{
    private const int RecentEndRequests = 64;

    private sealed record Loaded(TransactionLogLoad Result, long StartedMs);

    private sealed record Written(TransactionLogWrite Result, TransactionMetadata Next, TransactionDecision Decision, ITransactionCommand? Command, IActorRef Sender);

    private sealed record CompleteWritten(TransactionLogWrite Result, TransactionMetadata Next);

    private sealed record ProducerIdAllocated(ErrorCode Error, long ProducerId, ITransactionCommand Command, IActorRef Sender);

    private sealed record ParticipantDone(long Round, string Participant, ParticipantOutcome Outcome, string? Message);

    private sealed record RetryParticipant(long Round, string Participant);

    private sealed record ContinueCompletion(long Round);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class RetryLoad
    {
        public static readonly RetryLoad Instance = new();
    }

    private sealed record Lease(long TransactionNumber, long ExpiresMs);

    /// <summary>An InitProducerId whose open transaction was aborted with the bumped epoch: it hands that epoch out (never crosses nodes).</summary>
    private sealed record InitAfterFence(InitProducerId Init) : ITransactionCommand
    {
        public string TransactionalId => Init.TransactionalId;
        public long DeadlineMs => Init.DeadlineMs;
    }

    /// <summary>A request waiting for the running completion; decided again (or answered) once it is done.</summary>
    private sealed record Waiter(ITransactionCommand Command, IActorRef Sender);

    private sealed class Completion(long round, TransactionMetadata target, long pauseUntilMs)
    {
        public long Round { get; } = round;
        public TransactionMetadata Target { get; } = target;
        public long PauseUntilMs { get; } = pauseUntilMs;
        public Dictionary<string, object> Remaining { get; } = new(StringComparer.Ordinal);
        public List<Waiter> Waiters { get; } = new();
        public bool MarkersSent { get; set; }
        public int Retries { get; set; }
    }

    private readonly string _transactionalId;
    private readonly TransactionCoordinatorContext _context;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<(ITransactionCommand Command, IActorRef Sender)> _queue = new();
    private readonly Dictionary<Guid, Lease> _leases = new();
    private readonly Queue<Guid> _recentEnds = new();
    private readonly HashSet<Guid> _recentEndSet = new();
    private TransactionMetadata? _metadata;
    private bool _loaded;
    private bool _busy = true;
    private Completion? _completion;
    private bool _completeUnwritten;
    private long _round;
    private long _lastRequestMs;
    private int _loadFailures;

    public TransactionCoordinator(string transactionalId, TransactionCoordinatorContext context)
    {
        _transactionalId = transactionalId;
        _context = context;
    }

    public static Props Props(string transactionalId, TransactionCoordinatorContext context) =>
        Akka.Actor.Props.Create(() => new TransactionCoordinator(transactionalId, context));

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _context.Clock();
    private TransactionSettings Settings => _context.Settings;

    protected override void PreStart()
    {
        _lastRequestMs = Now;
        StartLoad();
        Timers.StartPeriodicTimer("tick", Tick.Instance, Settings.TimeoutCheckInterval);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case TransactionRequestDone done:
                _leases.Remove(done.LeaseId);
                break;
            case WakeTransaction:
                break;
            case DescribeTransaction describe when _loaded:
                Sender.Tell(new TransactionDescription(ErrorCode.None, null, _metadata, _context.BrokerId));
                break;
            case VerifyPartitionInTxn verify when _loaded:
                // Read only, so answered at once, also while a write or the markers are under way: a
                // produce holding a lease must not wait for the markers its lease holds back.
                if (!Expired(verify)) Act(Verify(verify), verify, Sender);
                break;
            case ITransactionCommand command:
                _lastRequestMs = Now;
                if (Expired(command)) break;
                if (_busy) _queue.AddLast((command, Sender));
                else Handle(command, Sender);
                break;
            case Written written:
                OnWritten(written);
                break;
            case ProducerIdAllocated allocated:
                OnProducerIdAllocated(allocated);
                break;
            case ContinueCompletion next:
                if (_completion?.Round == next.Round) ContinueMarkers();
                break;
            case ParticipantDone done:
                OnParticipantDone(done);
                break;
            case RetryParticipant retry:
                if (_completion?.Round == retry.Round && _completion.Remaining.TryGetValue(retry.Participant, out var target))
                    Send(_completion, retry.Participant, target);
                break;
            case CompleteWritten written:
                OnCompleteWritten(written);
                break;
            case FlushComplete:
                WriteComplete();
                break;
            case Loaded loaded:
                OnLoaded(loaded);
                break;
            case RetryLoad:
                StartLoad();
                break;
            case Tick:
                OnTick();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private bool Expired(ITransactionCommand command) => command.DeadlineMs > 0 && Now > command.DeadlineMs;

    // ---------------------------------------------------------------- loading

    private void StartLoad()
    {
        _busy = true;
        _loaded = false;
        var started = Now;
        var timeout = new CancellationTokenSource(Settings.LoadTimeout);
        _context.Log.LoadAsync(_transactionalId, timeout.Token).ContinueWith(t =>
        {
            timeout.Dispose();
            return new Loaded(t.IsCompletedSuccessfully
                ? t.Result
                : TransactionLogLoad.Failed(ErrorCode.CoordinatorLoadInProgress,
                    $"Loading '{_transactionalId}' failed: {(t.IsCanceled ? "timed out" : t.Exception!.GetBaseException().Message)}"), started);
        }, TaskScheduler.Default).PipeTo(Self);
    }

    private void OnLoaded(Loaded loaded)
    {
        var result = loaded.Result;
        if (!result.Succeeded)
        {
            _loadFailures++;
            _log.Warning("Transactional id {0}: loading failed ({1}); retrying", _transactionalId, result.Message);
            foreach (var (command, sender) in _queue) Reply(sender, Failed(command, ErrorCode.CoordinatorLoadInProgress, result.Message ?? "loading"));
            _queue.Clear();
            Timers.StartSingleTimer("retry-load", RetryLoad.Instance, TimeSpan.FromMilliseconds(Math.Min(5000, 250 * _loadFailures)));
            return;
        }
        _loadFailures = 0;
        _metadata = result.Metadata;
        _completeUnwritten = false;
        _loaded = true;
        _busy = false;
        _log.Info("Transactional id {0}: loaded from {1}-{2} in {3} ms ({4} records read): {5}",
            _transactionalId, TransactionStateTopic.Name, result.Partition, Now - loaded.StartedMs, result.RecordsRead,
            _metadata?.ToString() ?? "unknown id");
        if (_metadata is { IsPreparing: true })
        {
            _log.Info("Transactional id {0}: completing the {1} decided before (transaction #{2})", _transactionalId,
                _metadata.Commits ? "commit" : "abort", _metadata.TransactionNumber);
            StartCompletion(pause: false, waiter: null);
            return;
        }
        Drain();
    }

    // ---------------------------------------------------------------- deciding

    private void Handle(ITransactionCommand command, IActorRef sender, long? freshProducerId = null)
    {
        var now = Now;
        TransactionDecision decision;
        switch (command)
        {
            case InitAfterFence { Init: var init }:
                decision = _metadata!.InitProducerId(init.TransactionTimeoutMs, now, freshProducerId, afterFence: true);
                break;
            case InitProducerId init:
                decision = init.TransactionTimeoutMs <= 0 || init.TransactionTimeoutMs > Settings.MaxTimeoutMs
                    ? TransactionDecision.Fail(ErrorCode.InvalidTransactionTimeout,
                        $"transactionTimeoutMs {init.TransactionTimeoutMs} must be between 1 and {Settings.MaxTimeoutMs} (the broker's max transaction timeout)")
                    : _metadata is null
                        ? TransactionMetadata.InitFirst(_transactionalId, init.TransactionTimeoutMs, now, freshProducerId)
                        : _metadata.InitProducerId(init.TransactionTimeoutMs, now, freshProducerId);
                break;
            case AddPartitionsToTxn add:
                decision = _metadata?.AddPartitions(add.ProducerId, add.ProducerEpoch, add.Partitions, now) ?? Unknown(add.ProducerId);
                break;
            case AddOffsetsToTxn add:
                decision = _metadata?.AddGroup(add.ProducerId, add.ProducerEpoch, add.GroupId, now) ?? Unknown(add.ProducerId);
                break;
            case VerifyPartitionInTxn verify:
                decision = Verify(verify);
                break;
            case EndTxn end when _recentEndSet.Contains(end.RequestId):
                // A retry of a request this coordinator has already answered: the same answer, nothing else.
                decision = TransactionDecision.Ok;
                break;
            case EndTxn end:
                decision = _metadata?.EndTransaction(end.ProducerId, end.ProducerEpoch, end.Commit, end.RequestId, now) ?? Unknown(end.ProducerId);
                break;
            case DescribeTransaction:
                sender.Tell(new TransactionDescription(ErrorCode.None, null, _metadata, _context.BrokerId));
                return;
            default:
                Unhandled(command);
                return;
        }
        Act(decision, command, sender);
    }

    private TransactionDecision Verify(VerifyPartitionInTxn verify) =>
        _metadata?.VerifyPartition(verify.ProducerId, verify.ProducerEpoch, verify.Partition) ?? Unknown(verify.ProducerId);

    private TransactionDecision Unknown(long producerId) => TransactionDecision.Fail(ErrorCode.InvalidProducerIdMapping,
        $"Transactional id '{_transactionalId}' was never initialised (producer id {producerId} is not its producer id): initialise the producer first");

    private void Act(TransactionDecision decision, ITransactionCommand? command, IActorRef sender)
    {
        switch (decision.FollowUp)
        {
            case TransactionFollowUp.Reply:
                if (command is not null)
                    Reply(sender, decision.Error == ErrorCode.None
                        ? Succeeded(command)
                        : Failed(command, decision.Error, decision.Message ?? decision.Error.KafkaName()));
                break;
            case TransactionFollowUp.Write or TransactionFollowUp.WriteThenComplete:
                _busy = true;
                var next = decision.Next!;
                _context.Log.WriteAsync(next, CancellationToken.None).ContinueWith(t => new Written(
                        t.IsCompletedSuccessfully
                            ? t.Result
                            : new TransactionLogWrite(ErrorCode.CoordinatorNotAvailable,
                                $"Writing the state of '{_transactionalId}' failed: {t.Exception?.GetBaseException().Message ?? "cancelled"}"),
                        next, decision, command, sender),
                    TaskScheduler.Default).PipeTo(Self);
                break;
            case TransactionFollowUp.WaitForCompletion:
                if (command is null) break;
                if (_completion is null) StartCompletion(pause: false, waiter: null);
                _completion!.Waiters.Add(new Waiter(command, sender));
                break;
            case TransactionFollowUp.NeedProducerId:
                if (command is null) break;
                _busy = true;
                var deadline = new CancellationTokenSource(Settings.RequestTimeout);
                _context.NextProducerId(deadline.Token).ContinueWith(t =>
                {
                    deadline.Dispose();
                    return t.IsCompletedSuccessfully
                        ? new ProducerIdAllocated(t.Result.Error, t.Result.ProducerId, command, sender)
                        : new ProducerIdAllocated(ErrorCode.CoordinatorNotAvailable, -1, command, sender);
                }, TaskScheduler.Default).PipeTo(Self);
                break;
        }
    }

    private void OnProducerIdAllocated(ProducerIdAllocated allocated)
    {
        _busy = false;
        if (allocated.Error != ErrorCode.None)
        {
            Reply(allocated.Sender, Failed(allocated.Command, allocated.Error == ErrorCode.CoordinatorNotAvailable
                ? ErrorCode.CoordinatorNotAvailable
                : allocated.Error, "No producer id could be allocated (the controller did not answer); retry"));
            Drain();
            return;
        }
        Handle(allocated.Command, allocated.Sender, allocated.ProducerId);
        if (!_busy) Drain();
    }

    private void OnWritten(Written written)
    {
        if (!written.Result.Succeeded)
        {
            _log.Warning("Transactional id {0}: writing {1} failed ({2}); reading the state back", _transactionalId, written.Next.State,
                written.Result.Message);
            if (written.Command is not null)
                Reply(written.Sender, Failed(written.Command, written.Result.Error, written.Result.Message ?? "the write failed"));
            StartLoad();
            return;
        }

        var previous = _metadata;
        _metadata = written.Next;
        _completeUnwritten = false;
        if (previous is null || previous.ProducerId != _metadata.ProducerId || previous.ProducerEpoch != _metadata.ProducerEpoch ||
            previous.TransactionNumber != _metadata.TransactionNumber)
            _log.Debug("Transactional id {0}: {1}", _transactionalId, _metadata);

        if (written.Decision.FollowUp == TransactionFollowUp.WriteThenComplete)
        {
            // An InitProducerId that had to abort the open transaction first goes on with the epoch that fenced it.
            var waiter = written.Command switch
            {
                null => null,
                InitProducerId init => new Waiter(new InitAfterFence(init), written.Sender),
                var command => new Waiter(command, written.Sender),
            };
            StartCompletion(pause: true, waiter: waiter);
            return;
        }
        if (written.Command is not null) Reply(written.Sender, Succeeded(written.Command));
        _busy = false;
        Drain();
    }

    private object Succeeded(ITransactionCommand command)
    {
        switch (command)
        {
            case InitProducerId or InitAfterFence:
                return new InitProducerIdResult(ErrorCode.None, null, _metadata!.ProducerId, _metadata.ProducerEpoch);
            case AddPartitionsToTxn { LeaseId: var lease }:
                TakeLease(lease);
                return new AddToTxnResult(ErrorCode.None, null, _metadata!.Tag);
            case AddOffsetsToTxn { LeaseId: var lease }:
                TakeLease(lease);
                return new AddToTxnResult(ErrorCode.None, null, _metadata!.Tag);
            case EndTxn end:
                RememberEnd(end.RequestId);
                return TransactionAck.Ok;
            default:
                return TransactionAck.Ok;
        }
    }

    private static object Failed(ITransactionCommand command, ErrorCode error, string message) => command switch
    {
        InitProducerId or InitAfterFence => InitProducerIdResult.Failed(error, message),
        AddPartitionsToTxn or AddOffsetsToTxn => AddToTxnResult.Failed(error, message),
        DescribeTransaction => TransactionDescription.Failed(error, message),
        _ => new TransactionAck(error, message),
    };

    private void TakeLease(Guid lease)
    {
        if (lease != Guid.Empty) _leases[lease] = new Lease(_metadata!.TransactionNumber, Now + (long)Settings.RequestLease.TotalMilliseconds);
    }

    private void RememberEnd(Guid requestId)
    {
        if (requestId == Guid.Empty || !_recentEndSet.Add(requestId)) return;
        _recentEnds.Enqueue(requestId);
        if (_recentEnds.Count > RecentEndRequests) _recentEndSet.Remove(_recentEnds.Dequeue());
    }

    private void Drain()
    {
        while (!_busy && _queue.First is { } first)
        {
            _queue.RemoveFirst();
            if (Expired(first.Value.Command)) continue;
            Handle(first.Value.Command, first.Value.Sender);
        }
    }

    private static void Reply(IActorRef sender, object reply)
    {
        if (!sender.IsNobody()) sender.Tell(reply);
    }

    // ---------------------------------------------------------------- completing (markers)

    /// <summary>
    /// The second phase of the Prepare* state just written or loaded. <paramref name="pause"/>:
    /// this coordinator decided it, so the test hook that holds a commit's markers back applies.
    /// </summary>
    private void StartCompletion(bool pause, Waiter? waiter)
    {
        _busy = true;
        var target = _metadata!;
        var pauseUntil = pause && target.State == TransactionState.PrepareCommit && Settings.TestPauseBeforeCommitMarkers > TimeSpan.Zero
            ? Now + (long)Settings.TestPauseBeforeCommitMarkers.TotalMilliseconds
            : 0;
        if (pauseUntil > 0)
            _log.Warning("Transactional id {0}: TEST HOOK cluster-log.transactions.test-pause-before-commit-markers: holding the markers of " +
                         "{1} back for {2}", _transactionalId, target.State, Settings.TestPauseBeforeCommitMarkers);
        var completion = new Completion(++_round, target, pauseUntil);
        foreach (var partition in target.Partitions) completion.Remaining[$"p:{partition}"] = partition;
        foreach (var group in target.Groups) completion.Remaining[$"g:{group}"] = group;
        if (waiter is not null) completion.Waiters.Add(waiter);
        _completion = completion;
        foreach (var stale in _leases.Where(l => l.Value.TransactionNumber != target.TransactionNumber).Select(l => l.Key).ToList())
            _leases.Remove(stale);
        ContinueMarkers();
    }

    /// <summary>Send the markers once the pause (test hook) is over and no produce of the transaction is in flight.</summary>
    private void ContinueMarkers()
    {
        var completion = _completion!;
        if (completion.MarkersSent) return;
        var now = Now;
        var wait = completion.PauseUntilMs - now;
        var inFlight = _leases.Values.Where(l => l.ExpiresMs > now).Select(l => l.ExpiresMs - now).DefaultIfEmpty(0).Max();
        if (wait > 0 || inFlight > 0)
        {
            // Leases are usually returned within milliseconds: look again soon rather than at their expiry.
            var delay = wait > 0 ? wait : Math.Min(inFlight, 50);
            Timers.StartSingleTimer("continue-completion", new ContinueCompletion(completion.Round), TimeSpan.FromMilliseconds(Math.Max(1, delay)));
            return;
        }
        _leases.Clear();
        completion.MarkersSent = true;
        if (completion.Remaining.Count == 0)
        {
            Completed(completion);
            return;
        }
        foreach (var (key, target) in completion.Remaining.ToList()) Send(completion, key, target);
    }

    private void Send(Completion completion, string key, object target)
    {
        var metadata = completion.Target;
        var commit = metadata.Commits;
        var timeout = new CancellationTokenSource(Settings.RequestTimeout);
        var task = target is TopicPartition partition
            ? _context.Participants.WriteMarkerAsync(partition, metadata.ProducerId, metadata.ProducerEpoch, commit, timeout.Token)
            : _context.Participants.CompleteGroupAsync((string)target, metadata.Tag, commit, timeout.Token);
        var round = completion.Round;
        task.ContinueWith(t =>
        {
            timeout.Dispose();
            return t.IsCompletedSuccessfully
                ? new ParticipantDone(round, key, t.Result.Outcome, t.Result.Message)
                : new ParticipantDone(round, key, ParticipantOutcome.Retry, t.Exception?.GetBaseException().Message ?? "cancelled");
        }, TaskScheduler.Default).PipeTo(Self);
    }

    private void OnParticipantDone(ParticipantDone done)
    {
        var completion = _completion;
        if (completion is null || completion.Round != done.Round || !completion.Remaining.ContainsKey(done.Participant)) return;
        switch (done.Outcome)
        {
            case ParticipantOutcome.Retry:
                completion.Retries++;
                if (completion.Retries <= 3 || completion.Retries % 20 == 0)
                    _log.Warning("Transactional id {0}: {1} of transaction #{2} not taken yet ({3}); retrying", _transactionalId,
                        completion.Target.Commits ? "commit" : "abort", completion.Target.TransactionNumber, done.Message);
                Timers.StartSingleTimer($"retry-{done.Participant}", new RetryParticipant(completion.Round, done.Participant),
                    Settings.MarkerRetryBackoff);
                return;
            case ParticipantOutcome.Skip:
                _log.Warning("Transactional id {0}: giving up on {1}: {2}", _transactionalId, done.Participant, done.Message);
                break;
        }
        completion.Remaining.Remove(done.Participant);
        if (completion.Remaining.Count == 0) Completed(completion);
    }

    /// <summary>
    /// Every participant has taken the outcome: the transaction is complete, and the requests
    /// that waited for it are answered (a commit's 200 means its records are readable now). The
    /// CompleteCommit/CompleteAbort record is written next, unless a request that writes the id's
    /// next state comes first: that record supersedes it and saves a write per transaction (a
    /// producer's next produce usually does). Until either is written, a successor that loads the
    /// Prepare* state sends the markers again, which changes nothing: no data of a next transaction
    /// can be in a partition before its Ongoing state is written, so a marker finds nothing open
    /// and a group's outcome finds its offsets gone.
    /// </summary>
    private void Completed(Completion completion)
    {
        _metadata = completion.Target.Complete(Now);
        _completion = null;
        _completeUnwritten = true;
        _busy = false;
        _log.Debug("Transactional id {0}: transaction #{1} {2}", _transactionalId, _metadata.TransactionNumber, _metadata.State);
        // Answered in arrival order; the requests that waited for the outcome are decided again (a
        // commit retry is then a plain success, an InitProducerId goes on with its epoch bump).
        foreach (var waiter in Enumerable.Reverse(completion.Waiters)) _queue.AddFirst((waiter.Command, waiter.Sender));
        Drain();
        WriteComplete();
    }

    /// <summary>The Complete* record, when no other write has superseded it. Writes stay one at a time, in order.</summary>
    private void WriteComplete()
    {
        if (!_completeUnwritten || _busy || _metadata is null) return;
        _busy = true;
        var next = _metadata;
        _context.Log.WriteAsync(next, CancellationToken.None).ContinueWith(t => new CompleteWritten(
                t.IsCompletedSuccessfully
                    ? t.Result
                    : new TransactionLogWrite(ErrorCode.CoordinatorNotAvailable, t.Exception?.GetBaseException().Message ?? "cancelled"),
                next),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void OnCompleteWritten(CompleteWritten written)
    {
        _busy = false;
        if (written.Result.Succeeded)
        {
            if (ReferenceEquals(_metadata, written.Next)) _completeUnwritten = false;
        }
        else
        {
            // The decision and its markers are done; only the record of it is missing: write it again (or a later state will).
            _log.Warning("Transactional id {0}: writing {1} failed ({2}); retrying", _transactionalId, written.Next.State, written.Result.Message);
            Timers.StartSingleTimer("flush-complete", FlushComplete.Instance, Settings.MarkerRetryBackoff);
        }
        Drain();
    }

    private sealed class FlushComplete
    {
        public static readonly FlushComplete Instance = new();
    }

    // ---------------------------------------------------------------- time

    private void OnTick()
    {
        var now = Now;
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (Expired(node.Value.Command)) _queue.Remove(node);
            node = next;
        }
        Metrics.BrokerMetrics.ForBroker(_context.BrokerId).PublishTransaction(_transactionalId, _metadata?.State); // open_transactions (issue 10)
        if (!_loaded || _busy || _metadata is null) return;

        if (_metadata.HasTimedOut(now))
        {
            _log.Info("Transactional id {0}: transaction #{1} has been open longer than its timeout of {2} ms: aborting it and fencing epoch {3}",
                _transactionalId, _metadata.TransactionNumber, _metadata.TimeoutMs, _metadata.ProducerEpoch);
            Act(_metadata.TimeOut(now), null, ActorRefs.Nobody);
            return;
        }

        if (_queue.Count == 0 && _metadata.State is not (TransactionState.Ongoing or TransactionState.PrepareCommit or TransactionState.PrepareAbort) &&
            now - _lastRequestMs > Settings.PassivateIdleAfter.TotalMilliseconds)
        {
            _lastRequestMs = now;
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        }
    }

    protected override void PostStop()
    {
        Metrics.BrokerMetrics.ForBroker(_context.BrokerId).RemoveTransaction(_transactionalId); // open_transactions (issue 10)
        foreach (var (command, sender) in _queue)
            Reply(sender, Failed(command, ErrorCode.CoordinatorNotAvailable, $"The coordinator of '{_transactionalId}' stopped; retry"));
        if (_completion is not null)
            foreach (var waiter in _completion.Waiters)
                Reply(waiter.Sender, Failed(waiter.Command, ErrorCode.CoordinatorNotAvailable, $"The coordinator of '{_transactionalId}' stopped; retry"));
    }
}
