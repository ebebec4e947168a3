using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Groups;

/// <summary>What every coordinator of a node shares.</summary>
public sealed record GroupCoordinatorContext(
    IGroupLog Log,
    IGroupRegistry Registry,
    Func<string, int?> PartitionCount,
    GroupSettings Settings,
    int BrokerId,
    Func<long> Clock);

/// <summary>
/// The coordinator of one group: a sharded entity of the <c>group-coordinator</c> region, so
/// it lives on one node at a time and moves when that node fails. It holds no state of its
/// own that matters: on start it reads the group's records back from its
/// <c>__consumer_offsets</c> partition (requests wait meanwhile), then decides with
/// <see cref="GroupState"/> and writes every durable event with acks=all before the state
/// takes it and before anyone hears of it.
///
/// Group commit: commands are processed in arrival order. Once one of them needs a write,
/// the following ones (until the next message the coordinator sends itself) are decided on
/// the state as it will be after that write and join the same record batch; all their
/// answers wait for it. While a batch is being written, requests queue. A failed write
/// drops the whole batch's effects (the state stays what the log holds) and each of its
/// requesters gets the error, a 5xx: retry.
/// </summary>
public sealed class GroupCoordinator : UntypedActor, IWithTimers
{
    private sealed record Loaded(GroupLogLoad Result, long StartedMs);

    private sealed record Written(GroupLogWrite Result);

    private sealed record Registered(bool Ok);

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed class RetryLoad
    {
        public static readonly RetryLoad Instance = new();
    }

    private sealed record WaitingJoin(IActorRef ReplyTo, long DeadlineMs);

    /// <summary>Commands decided on a state that is not written yet, and what they are owed.</summary>
    private sealed class Batch(GroupState state)
    {
        public GroupState State { get; set; } = state;
        public List<GroupEvent> Events { get; } = new();
        public List<(IActorRef ReplyTo, object Command, IGroupResult Reply)> Replies { get; } = new();
        public List<string> JoinsWaiting { get; } = new();
    }

    private readonly string _groupId;
    private readonly GroupCoordinatorContext _context;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<(object Message, IActorRef Sender)> _queue = new();
    private readonly Dictionary<string, WaitingJoin> _waitingJoins = new(StringComparer.Ordinal);
    private GroupState _state;
    private bool _loaded;
    private Batch? _open;
    private Batch? _writing;
    private bool _registered;
    private bool _registering;
    private long _lastRequestMs;
    private int _loadFailures;

    public GroupCoordinator(string groupId, GroupCoordinatorContext context)
    {
        _groupId = groupId;
        _context = context;
        _state = GroupState.Initial(groupId);
    }

    public static Props Props(string groupId, GroupCoordinatorContext context) =>
        Akka.Actor.Props.Create(() => new GroupCoordinator(groupId, context));

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _context.Clock();

    private GroupContext DecisionContext => new(Now, _context.PartitionCount, _context.Settings.Policy);

    protected override void PreStart()
    {
        _lastRequestMs = Now;
        StartLoad();
        Timers.StartPeriodicTimer("tick", GroupTick.Instance, _context.Settings.TickInterval);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case IGroupCommand command:
                _lastRequestMs = Now;
                if (!_loaded || _writing is not null) _queue.Enqueue((command, Sender));
                else Handle(command, Sender);
                break;
            case GroupTick:
                OnTick();
                break;
            case Flush:
                OnFlush();
                break;
            case Written written:
                OnWritten(written.Result);
                break;
            case Loaded loaded:
                OnLoaded(loaded);
                break;
            case RetryLoad:
                StartLoad();
                break;
            case Registered registered:
                _registering = false;
                _registered = registered.Ok;
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // ---------------------------------------------------------------- loading

    private void StartLoad()
    {
        var started = Now;
        var timeout = new CancellationTokenSource(_context.Settings.LoadTimeout);
        _context.Log.LoadAsync(_groupId, timeout.Token).ContinueWith(t =>
        {
            timeout.Dispose();
            return new Loaded(t.IsCompletedSuccessfully
                ? t.Result
                : GroupLogLoad.Failed(ErrorCode.CoordinatorLoadInProgress,
                    $"Loading group '{_groupId}' failed: {(t.IsCanceled ? "timed out" : t.Exception!.GetBaseException().Message)}"), started);
        }, TaskScheduler.Default).PipeTo(Self);
    }

    private void OnLoaded(Loaded loaded)
    {
        var result = loaded.Result;
        if (!result.Ok)
        {
            _loadFailures++;
            _log.Warning("Group {0}: loading failed ({1}); retrying", _groupId, result.Message);
            // The requests that waited get a retriable error rather than waiting on.
            while (_queue.TryDequeue(out var queued))
                queued.Sender.Tell(GroupResults.Failed(queued.Message, result.Error, result.Message ?? "the group is loading"));
            Timers.StartSingleTimer("retry-load", RetryLoad.Instance, TimeSpan.FromMilliseconds(Math.Min(5000, 250 * _loadFailures)));
            return;
        }

        _state = GroupState.Recover(_groupId, result.Events, Now);
        _loaded = true;
        _log.Info("Group {0}: loaded from {1}-{2} in {3} ms ({4} records read): {5}",
            _groupId, OffsetsTopic.Name, result.Partition, Now - loaded.StartedMs, result.RecordsRead,
            $"{_state.Phase}, generation {_state.Generation}, {_state.Members.Count} member(s), {_state.Offsets.Count} offset(s)");
        if (_state.Phase != GroupPhase.Dead) Register();
        Drain();
    }

    // ---------------------------------------------------------------- deciding

    private void Handle(object command, IActorRef sender)
    {
        var decision = (_open?.State ?? _state).Process(command, DecisionContext);
        if (decision.Reply is GroupDescription description) decision = decision with { Reply = description with { CoordinatorBrokerId = _context.BrokerId } };
        string? waitingMember = null;
        if (command is JoinGroup join && decision.Reply is null)
        {
            waitingMember = join.MemberId ?? join.NewMemberId;
            // Answered when the rebalance completes (at the latest at its deadline, when the
            // members that did not rejoin are dropped), or with REBALANCE_IN_PROGRESS after
            // max-join-wait if the deadline is further away than that.
            _waitingJoins[waitingMember] = new WaitingJoin(sender, Now + (long)_context.Settings.MaxJoinWait.TotalMilliseconds);
        }

        if (_open is null && !decision.MustPersist)
        {
            _state = decision.State;
            if (decision.Reply is not null) sender.Tell(decision.Reply);
            Notify(decision.Events);
            return;
        }

        if (_open is null)
        {
            _open = new Batch(decision.State);
            Self.Tell(Flush.Instance);
        }
        _open.State = decision.State;
        _open.Events.AddRange(decision.Events);
        if (decision.Reply is not null) _open.Replies.Add((sender, command, decision.Reply));
        if (waitingMember is not null) _open.JoinsWaiting.Add(waitingMember);
    }

    private void OnFlush()
    {
        var batch = _open;
        _open = null;
        if (batch is null) return;
        var durable = batch.Events.OfType<IDurableGroupEvent>().ToList();
        if (durable.Count == 0)
        {
            Commit(batch);
            return;
        }
        _writing = batch;
        _context.Log.AppendAsync(_groupId, durable, transaction: null, CancellationToken.None).ContinueWith(t => new Written(
            t.IsCompletedSuccessfully
                ? t.Result
                : new GroupLogWrite(ErrorCode.CoordinatorNotAvailable,
                    $"Writing group '{_groupId}' failed: {t.Exception?.GetBaseException().Message ?? "cancelled"}", -1)),
            TaskScheduler.Default).PipeTo(Self);
    }

    private void OnWritten(GroupLogWrite result)
    {
        var batch = _writing!;
        _writing = null;
        if (result.Ok)
        {
            Commit(batch);
            if (!_registered) Register();
        }
        else
        {
            _log.Warning("Group {0}: write failed, {1} request(s) refused: {2}", _groupId, batch.Replies.Count + batch.JoinsWaiting.Count, result.Message);
            var message = result.Message ?? $"Writing group '{_groupId}' failed";
            foreach (var (replyTo, command, _) in batch.Replies) replyTo.Tell(GroupResults.Failed(command, result.Error, message));
            foreach (var memberId in batch.JoinsWaiting)
                if (_waitingJoins.Remove(memberId, out var waiting))
                    waiting.ReplyTo.Tell(JoinGroupResult.Failed(result.Error, message, memberId));
        }
        Drain();
    }

    private void Commit(Batch batch)
    {
        _state = batch.State;
        foreach (var (replyTo, _, reply) in batch.Replies) replyTo.Tell(reply);
        Notify(batch.Events);
    }

    /// <summary>Answer the joins that waited for what just took effect.</summary>
    private void Notify(IEnumerable<GroupEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case GenerationStarted g:
                    _log.Info("Group {0}: generation {1} ({2}) with {3} member(s)", _groupId, g.Generation, g.Protocol ?? "no members", g.Members.Length);
                    foreach (var member in g.Members)
                        if (_waitingJoins.Remove(member.MemberId, out var waiting))
                            waiting.ReplyTo.Tell(new JoinGroupResult(ErrorCode.None, null, member.MemberId, g.Generation, member.Assignment));
                    break;
                case MemberRemoved removed:
                    _log.Info("Group {0}: member {1} removed ({2})", _groupId, removed.MemberId, removed.Reason);
                    if (_waitingJoins.Remove(removed.MemberId, out var gone))
                        gone.ReplyTo.Tell(JoinGroupResult.Failed(ErrorCode.UnknownMemberId,
                            $"Member '{removed.MemberId}' was removed from group '{_groupId}' ({removed.Reason}); join again without a memberId",
                            removed.MemberId));
                    break;
                case RebalanceStarted started:
                    _log.Info("Group {0}: rebalancing ({1})", _groupId, started.Reason);
                    break;
            }
        }
    }

    private void Drain()
    {
        while (_loaded && _writing is null && _queue.TryDequeue(out var queued)) Handle(queued.Message, queued.Sender);
    }

    // ---------------------------------------------------------------- time

    private void OnTick()
    {
        if (_loaded) Metrics.BrokerMetrics.ForBroker(_context.BrokerId).PublishGroupOffsets(_groupId, _state.Offsets); // consumer_group_lag (issue 10)
        if (!_loaded || _writing is not null || _open is not null) return;
        var now = Now;
        foreach (var (memberId, waiting) in _waitingJoins.Where(w => w.Value.DeadlineMs <= now).ToList())
        {
            _waitingJoins.Remove(memberId);
            waiting.ReplyTo.Tell(JoinGroupResult.Failed(ErrorCode.RebalanceInProgress,
                $"Group '{_groupId}' is still waiting for members to rejoin; join again with memberId '{memberId}'", memberId));
        }
        Handle(GroupTick.Instance, ActorRefs.Nobody);

        if (_state.Members.IsEmpty && _waitingJoins.Count == 0 && _open is null && _writing is null && _queue.Count == 0 &&
            now - _lastRequestMs > _context.Settings.PassivateIdleAfter.TotalMilliseconds)
        {
            _lastRequestMs = now;
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        }
    }

    private void Register()
    {
        if (_registering) return;
        _registering = true;
        _context.Registry.RegisterAsync(_groupId)
            .ContinueWith(t => new Registered(t.IsCompletedSuccessfully && t.Result), TaskScheduler.Default)
            .PipeTo(Self);
    }

    protected override void PostStop()
    {
        Metrics.BrokerMetrics.ForBroker(_context.BrokerId).RemoveGroup(_groupId); // consumer_group_lag (issue 10)
        foreach (var (memberId, waiting) in _waitingJoins)
            waiting.ReplyTo.Tell(JoinGroupResult.Failed(ErrorCode.CoordinatorNotAvailable,
                $"The coordinator of group '{_groupId}' stopped; join again", memberId));
        while (_queue.TryDequeue(out var queued))
            queued.Sender.Tell(GroupResults.Failed(queued.Message, ErrorCode.CoordinatorNotAvailable,
                $"The coordinator of group '{_groupId}' stopped; retry"));
    }
}

/// <summary>The error answer of the right type for each command.</summary>
public static class GroupResults
{
    public static IGroupResult Failed(object command, ErrorCode error, string message) => command switch
    {
        JoinGroup join => JoinGroupResult.Failed(error, message, join.MemberId ?? join.NewMemberId),
        GroupHeartbeat => HeartbeatResult.Failed(error, message),
        FetchOffsets => FetchOffsetsResult.Failed(error, message),
        DescribeGroup describe => GroupDescription.Failed(describe.GroupId, error, message),
        _ => new GroupAck(error, message),
    };
}
