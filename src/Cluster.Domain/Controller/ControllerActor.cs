using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.Event;
using Cluster.Domain.Metrics;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Controller;

public sealed record ControllerSettings(TimeSpan ReadTimeout, TimeSpan WriteTimeout, TimeSpan RetryInterval, TimeSpan PreferredLeaderCheckInterval)
{
    public static ControllerSettings From(Config config)
    {
        var c = config.GetConfig("cluster-log.controller");
        return new ControllerSettings(
            c.GetTimeSpan("read-timeout"), c.GetTimeSpan("write-timeout"),
            c.GetTimeSpan("retry-interval"), c.GetTimeSpan("preferred-leader-check-interval"));
    }
}

/// <summary>
/// The cluster controller, one per cluster (a cluster singleton). It owns topics, configs,
/// replica assignment, leaders, leader epochs and ISRs, and keeps them in DistributedData
/// with majority reads and writes on durable keys, so no single node's disk holds the only
/// copy. Membership events drive leader election. Commands that arrive while a write is in
/// flight are decided together and written once (group commit), so an ISR storm after a
/// broker dies costs a few writes, not one per partition.
/// </summary>
public sealed partial class ControllerActor : ReceiveActor, IWithTimers
{
    public static readonly LWWRegisterKey<ClusterMetadata> MetadataKey = new("cluster-metadata");

    private sealed class Reconcile
    {
        public static readonly Reconcile Instance = new();
    }

    private sealed class PreferredLeaderCheck
    {
        public static readonly PreferredLeaderCheck Instance = new();
    }

    private sealed class RetryLoad
    {
        public static readonly RetryLoad Instance = new();
    }

    private sealed class RetryWrite
    {
        public static readonly RetryWrite Instance = new();
    }

    private sealed class Republish
    {
        public static readonly Republish Instance = new();
    }

    private static readonly object LocalRead = "local";

    private readonly ControllerSettings _settings;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly ILoggingAdapter _log;
    private readonly NodeMetrics _metrics;
    private readonly Random _random = new();

    private readonly Dictionary<UniqueAddress, int> _members = new();
    private readonly HashSet<UniqueAddress> _unreachable = new();
    private readonly HashSet<int> _shuttingDown = new();

    private readonly List<(object Command, IActorRef ReplyTo)> _inbox = new();
    private List<Action> _repliesAfterWrite = new();
    private ClusterMetadata _metadata = ClusterMetadata.Empty;
    private ClusterMetadata _written = ClusterMetadata.Empty;
    private bool _writing;
    private int _localBrokerCount;
    private bool _loadAsked;

    public ControllerActor(ControllerSettings settings)
    {
        _settings = settings;
        var brokerId = BrokerIdOf(_cluster.SelfMember) ?? -1;
        _metrics = BrokerMetrics.ForBroker(brokerId);
        _log = Context.GetLogger().WithContext("BrokerId", brokerId);
        Loading();
    }

    public static Props Props(ControllerSettings settings) => Akka.Actor.Props.Create(() => new ControllerActor(settings));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        _replicator.Tell(Dsl.Subscribe(MetadataKey, Self));
        _replicator.Tell(Dsl.Get(MetadataKey, ReadLocal.Instance, LocalRead));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _metrics.RemoveController(Self);
    }

    // ---------------------------------------------------------------- quorum

    /// <summary>
    /// DistributedData's majority is a majority of the nodes present: a node that starts
    /// alone would read its own stale copy as "the majority" and elect leaders from an old
    /// ISR. So the controller reads and writes only while a quorum of the cluster's brokers
    /// (as many as the seed list or the registered brokers, whichever is more) is up and
    /// reachable; any two such quorums share a broker, as Kafka's controller quorum does.
    /// </summary>
    private int Quorum =>
        Math.Max(_cluster.Settings.SeedNodes.Count, Math.Max(_localBrokerCount, _metadata.Brokers.Count)) / 2 + 1;

    private int ReachableBrokers => _members.Keys.Count(m => !_unreachable.Contains(m));

    private bool HasQuorum => ReachableBrokers >= Quorum;

    private void Load()
    {
        if (!HasQuorum)
        {
            if (!_loadAsked) _log.Info("Controller: waiting for {0} of the cluster's brokers before reading the metadata ({1} reachable)", Quorum, ReachableBrokers);
            _loadAsked = true;
            Timers.StartSingleTimer("load", RetryLoad.Instance, _settings.RetryInterval);
            return;
        }
        _replicator.Tell(Dsl.Get(MetadataKey, new ReadMajority(_settings.ReadTimeout)));
    }

    // ---------------------------------------------------------------- loading

    private void Loading()
    {
        Receive<GetSuccess>(success => success.Request == LocalRead, success =>
        {
            _localBrokerCount = success.Get(MetadataKey).Value.Brokers.Count;
            Load();
        });
        Receive<NotFound>(notFound => notFound.Request == LocalRead, _ => Load());
        Receive<GetSuccess>(success =>
        {
            _metadata = _written = success.Get(MetadataKey).Value;
            _log.Info("Controller: loaded cluster metadata version {0} ({1} topics)", _metadata.Version, _metadata.Topics.Count);
            StartServing();
        });
        Receive<NotFound>(_ =>
        {
            _metadata = ClusterMetadata.Empty with { ClusterId = Guid.NewGuid().ToString("N")[..22] };
            _log.Info("Controller: no cluster metadata yet; starting cluster {0}", _metadata.ClusterId);
            StartServing(writeNow: true);
        });
        Receive<GetFailure>(_ =>
        {
            _log.Warning("Controller: could not read the cluster metadata from a majority; retrying");
            Timers.StartSingleTimer("load", RetryLoad.Instance, _settings.RetryInterval);
        });
        Receive<RetryLoad>(_ => Load());
        ReceiveMembership();
        Receive<Changed>(_ => { });
        ReceiveAny(message => _inbox.Add((message, Sender)));
    }

    private void StartServing(bool writeNow = false)
    {
        Become(Serving);
        PublishMetrics();
        Timers.StartPeriodicTimer("preferred-leaders", PreferredLeaderCheck.Instance, _settings.PreferredLeaderCheckInterval);
        Timers.StartPeriodicTimer("republish", Republish.Instance, TimeSpan.FromSeconds(5));
        _inbox.Insert(0, (Reconcile.Instance, ActorRefs.Nobody));
        ProcessInbox(forceWrite: writeNow);
        // Nothing to reconcile: still tell every node that the loaded metadata is current.
        if (!_writing && _written.Version > 0) Publish();
    }

    // ---------------------------------------------------------------- serving

    private void Serving()
    {
        ReceiveMembership();
        Receive<Changed>(changed =>
        {
            // Another controller (before a failover, or a node that held newer durable data)
            // wrote a newer version: adopt it rather than overwrite it.
            var seen = changed.Get(MetadataKey).Value;
            if (!_writing && seen.Version > _metadata.Version)
            {
                _log.Info("Controller: adopting newer cluster metadata version {0} (had {1})", seen.Version, _metadata.Version);
                _metadata = _written = seen;
                PublishMetrics();
            }
        });
        Receive<UpdateSuccess>(_ => OnWritten());
        Receive<IUpdateFailure>(failure =>
        {
            _log.Warning("Controller: metadata write not confirmed by a majority ({0}); retrying", failure.GetType().Name);
            Timers.StartSingleTimer("write", RetryWrite.Instance, _settings.RetryInterval);
        });
        Receive<RetryWrite>(_ => WriteCurrent());
        // Nodes that joined (or lost a push) hear the controller's word again.
        Receive<Republish>(_ => { if (_written.Version > 0) Publish(); });
        Receive<PreferredLeaderCheck>(_ => Enqueue(PreferredLeaderCheck.Instance, ActorRefs.Nobody));
        Receive<IControllerCommand>(command => Enqueue(command, Sender));
    }

    private void ReceiveMembership()
    {
        Receive<ClusterEvent.MemberUp>(up => MemberLive(up.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(up => MemberLive(up.Member));
        Receive<ClusterEvent.MemberRemoved>(removed => MemberGone(removed.Member));
        Receive<ClusterEvent.MemberExited>(exited => MemberGone(exited.Member));
        Receive<ClusterEvent.MemberDowned>(downed => MemberGone(downed.Member));
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            if (_unreachable.Add(u.Member.UniqueAddress)) MembershipChanged($"{u.Member.Address} unreachable");
        });
        Receive<ClusterEvent.ReachableMember>(r =>
        {
            if (_unreachable.Remove(r.Member.UniqueAddress)) MembershipChanged($"{r.Member.Address} reachable again");
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    private static int? BrokerIdOf(Member member)
    {
        foreach (var role in member.Roles)
            if (role.StartsWith("broker-", StringComparison.Ordinal) && int.TryParse(role.AsSpan(7), out var id))
                return id;
        return null;
    }

    private void MemberLive(Member member)
    {
        if (BrokerIdOf(member) is not { } brokerId) return;
        _members[member.UniqueAddress] = brokerId;
        _shuttingDown.Remove(brokerId);
        if (_written.Version > 0) PublishTo(member, new MetadataUpdate(_written, FromController: true));
        MembershipChanged($"broker {brokerId} up at {member.Address}");
    }

    private void MemberGone(Member member)
    {
        if (!_members.Remove(member.UniqueAddress, out var brokerId)) return;
        _unreachable.Remove(member.UniqueAddress);
        if (!_members.ContainsValue(brokerId)) _shuttingDown.Remove(brokerId);
        MembershipChanged($"broker {brokerId} gone ({member.Status})");
    }

    private void MembershipChanged(string what)
    {
        _log.Info("Controller: {0}; live brokers now [{1}]", what, string.Join(",", LiveBrokers().Order()));
        Enqueue(Reconcile.Instance, ActorRefs.Nobody);
    }

    private HashSet<int> LiveBrokers() =>
        _members.Where(m => !_unreachable.Contains(m.Key) && !_shuttingDown.Contains(m.Value)).Select(m => m.Value).ToHashSet();

    // ---------------------------------------------------------------- deciding and writing

    private void Enqueue(object command, IActorRef replyTo)
    {
        _inbox.Add((command, replyTo));
        // While loading, the inbox waits; while writing, it becomes the next write.
        if (!_writing && _metadata.ClusterId.Length > 0) ProcessInbox();
    }

    private void ProcessInbox(bool forceWrite = false)
    {
        if (_writing || _inbox.Count == 0 && !forceWrite) return;
        var before = _metadata.Version;
        var live = LiveBrokers();
        var commands = _inbox.ToList();
        _inbox.Clear();
        foreach (var (command, replyTo) in commands) Decide(command, replyTo, live);
        if (_metadata.Version != before || forceWrite)
        {
            ReportLeaderChanges(_written, _metadata);
            WriteCurrent();
        }
        else FlushReplies();
    }

    private void Decide(object command, IActorRef replyTo, HashSet<int> live)
    {
        switch (command)
        {
            case Reconcile:
                Apply(MetadataChanges.Reconcile(_metadata, live), replyTo, "reconcile");
                break;
            case PreferredLeaderCheck:
                Apply(MetadataChanges.PreferredLeaders(_metadata, live), replyTo, "preferred leader election");
                break;
            case CreateTopic create:
                Apply(MetadataChanges.CreateTopic(_metadata, create, live, _random.Next(Math.Max(1, live.Count))), replyTo, $"create topic {create.Name}");
                break;
            case DeleteTopic delete:
                Apply(MetadataChanges.DeleteTopic(_metadata, delete.Name), replyTo, $"delete topic {delete.Name}");
                break;
            case AlterTopicConfigs alter:
                Apply(MetadataChanges.AlterConfigs(_metadata, alter.Name, alter.Configs), replyTo, $"alter configs of {alter.Name}");
                break;
            case RegisterBroker register:
                Apply(MetadataChanges.RegisterBroker(_metadata, register.Registration, live), replyTo,
                    _metadata.Brokers.TryGetValue(register.Registration.BrokerId, out var known) && known.Incarnation != register.Registration.Incarnation
                        ? $"broker {register.Registration.BrokerId} restarted" : null);
                break;
            case AlterPartition alter:
                var change = MetadataChanges.AlterPartition(_metadata, alter, live);
                if (change.Ok) _metadata = change.Next!;
                var tp = alter.Partition;
                var state = _metadata.Topic(tp.Topic) is { } topic && topic.TopicId == tp.TopicId && tp.Partition < topic.Partitions.Length
                    ? topic.Partitions[tp.Partition]
                    : null;
                ReplyAfterWrite(replyTo, new AlterPartitionResult(tp, change.Error, state));
                if (change.Ok)
                    _log.Info("ISR change: the ISR of {TopicPartition} is now [{Isr}] (leader {Leader}, leader epoch {LeaderEpoch})",
                        tp.ToString(), string.Join(",", alter.NewIsr), alter.LeaderId, alter.LeaderEpoch);
                break;
            case ControlledShutdown shutdown:
                _shuttingDown.Add(shutdown.BrokerId);
                var (moved, remaining) = MetadataChanges.ControlledShutdown(_metadata, shutdown.BrokerId, live);
                _metadata = moved.Next!;
                _log.Info("Controller: controlled shutdown of broker {0}; {1} leadership(s) could not move", shutdown.BrokerId, remaining);
                ReplyAfterWrite(replyTo, new ControllerResult(ErrorCode.None, $"{remaining} leadership(s) could not move", _metadata.Version));
                break;
            case AllocateProducerIds allocate:
                var first = _metadata.NextProducerId;
                var allocated = MetadataChanges.AllocateProducerIds(_metadata, allocate.Count);
                if (allocated.Ok) _metadata = allocated.Next!;
                ReplyAfterWrite(replyTo, new ProducerIdBlock(allocated.Error, allocated.Ok ? first : -1, allocated.Ok ? allocate.Count : 0));
                break;
        }
    }

    private void Apply(Change change, IActorRef replyTo, string? what)
    {
        if (change.Ok)
        {
            if (what is not null && change.Next!.Version != _metadata.Version) _log.Info("Controller: {0} → metadata version {1}", what, change.Next.Version);
            _metadata = change.Next!;
        }
        ReplyAfterWrite(replyTo, new ControllerResult(change.Error, change.Message, change.Ok ? _metadata.Version : -1));
    }

    private void ReplyAfterWrite(IActorRef replyTo, object reply)
    {
        if (!replyTo.IsNobody()) _repliesAfterWrite.Add(() => replyTo.Tell(reply));
    }

    private void WriteCurrent()
    {
        _writing = true;
        if (!HasQuorum)
        {
            _log.Warning("Controller: only {0} of the {1} brokers a quorum needs are reachable; metadata changes wait", ReachableBrokers, Quorum);
            Timers.StartSingleTimer("write", RetryWrite.Instance, _settings.RetryInterval);
            return;
        }
        var self = _cluster.SelfUniqueAddress;
        var value = _metadata;
        _replicator.Tell(Dsl.Update(MetadataKey, new LWWRegister<ClusterMetadata>(self, value, value.Version),
            new WriteMajority(_settings.WriteTimeout), register => register.WithValue(self, value, (_, v) => v.Version)));
    }

    private void OnWritten()
    {
        _writing = false;
        _written = _metadata;
        PublishMetrics();
        Publish();
        FlushReplies();
        ProcessInbox();
    }

    private void FlushReplies()
    {
        var replies = _repliesAfterWrite;
        _repliesAfterWrite = new List<Action>();
        foreach (var reply in replies) reply();
    }

    /// <summary>Every node's metadata cache hears of the change now, not at the next gossip round.</summary>
    private void Publish()
    {
        var update = new MetadataUpdate(_written, FromController: true);
        foreach (var member in _cluster.State.Members) PublishTo(member, update);
    }

    /// <summary>
    /// Only a broker whose current incarnation is registered hears the controller's word: a
    /// restarted broker first has its old leaderships moved (see RegisterBroker).
    /// </summary>
    private void PublishTo(Member member, MetadataUpdate update)
    {
        if (BrokerIdOf(member) is not { } brokerId ||
            !update.Metadata.Brokers.TryGetValue(brokerId, out var registration) ||
            registration.Incarnation != member.UniqueAddress.Uid)
            return;
        Context.ActorSelection(new RootActorPath(member.Address) / "user" / MetadataCache.Name).Tell(update);
    }
}
