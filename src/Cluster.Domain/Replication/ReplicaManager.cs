using Akka.Actor;
using Akka.Event;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;

namespace Cluster.Domain.Replication;

/// <summary>
/// One per node (Kafka's ReplicaManager): turns each new cluster metadata into
/// <see cref="BecomeLeaderOrFollower"/> for the replicas this broker hosts, and
/// <see cref="StopReplica"/> for those of deleted topics. It repeats the current state
/// periodically, which also restarts a replica that stopped after a storage failure.
/// </summary>
public sealed class ReplicaManager : ReceiveActor, IWithTimers
{
    public const string Name = "replica-manager";

    private sealed class Resync
    {
        public static readonly Resync Instance = new();
    }

    private readonly int _brokerId;
    private readonly Func<IActorRef> _localRegion;
    private readonly TimeSpan _resyncInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<TopicIdPartition, BecomeLeaderOrFollower> _assigned = new();
    private readonly Dictionary<TopicIdPartition, int> _awaitingRole = new();
    private readonly ReplicaReadiness _readiness;
    private ClusterMetadata _metadata = ClusterMetadata.Empty;

    public ReplicaManager(int brokerId, Func<IActorRef> localRegion, TimeSpan resyncInterval, ReplicaReadiness readiness)
    {
        _brokerId = brokerId;
        _localRegion = localRegion;
        _resyncInterval = resyncInterval;
        _readiness = readiness;
        Receive<ReplicaRoleTaken>(taken =>
        {
            if (_awaitingRole.TryGetValue(taken.Partition, out var epoch) && taken.LeaderEpoch >= epoch)
            {
                _awaitingRole.Remove(taken.Partition);
                UpdateReadiness();
            }
        });
        // A restarted node first knows only its own durable copy of the metadata, which may be
        // old: acting on it could make a replica lead an epoch the cluster left long ago. So
        // replicas get their roles only once the controller has confirmed this node's view.
        Receive<MetadataUpdate>(update =>
        {
            if (update.FromController) Apply(update.Metadata);
        });
        Receive<ReplicaStarted>(started =>
        {
            if (_assigned.TryGetValue(started.Partition, out var state)) Sender.Tell(state);
            else if (_metadata.Version > 0 && !IsAssignedHere(started.Partition))
                Sender.Tell(new StopReplica(started.Partition, DeleteLog: _metadata.Topic(started.Partition.Topic)?.TopicId != started.Partition.TopicId));
        });
        Receive<Resync>(_ =>
        {
            foreach (var state in _assigned.Values) _localRegion().Tell(state);
        });
    }

    public static Props Props(int brokerId, Func<IActorRef> localRegion, TimeSpan resyncInterval, ReplicaReadiness readiness) =>
        Akka.Actor.Props.Create(() => new ReplicaManager(brokerId, localRegion, resyncInterval, readiness));

    // Ready once every replica has recovered and taken its first role; later leadership
    // changes do not make a running node look unhealthy.
    private void UpdateReadiness()
    {
        if (!_readiness.AllReplicasReady && _metadata.Version > 0 && _awaitingRole.Count == 0) _readiness.Set(true);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("resync", Resync.Instance, _resyncInterval);

    private bool IsAssignedHere(TopicIdPartition partition) =>
        _metadata.Topic(partition.Topic) is { } topic && topic.TopicId == partition.TopicId &&
        partition.Partition < topic.Partitions.Length && topic.Partitions[partition.Partition].Replicas.Contains(_brokerId);

    private void Apply(ClusterMetadata metadata)
    {
        if (metadata.Version <= _metadata.Version) return;
        _metadata = metadata;
        var seen = new HashSet<TopicIdPartition>();
        var region = _localRegion();
        foreach (var topic in metadata.Topics.Values)
        {
            var config = topic.Config;
            foreach (var state in topic.Partitions)
            {
                if (!state.Replicas.Contains(_brokerId)) continue;
                var partition = topic.PartitionId(state.Partition);
                seen.Add(partition);
                var message = new BecomeLeaderOrFollower(partition, state, config);
                if (_assigned.TryGetValue(partition, out var previous) && previous.State.SameAs(state) && previous.Config == config)
                    continue;
                _assigned[partition] = message;
                _awaitingRole[partition] = state.LeaderEpoch;
                region.Tell(message);
            }
        }

        foreach (var gone in _assigned.Keys.Where(p => !seen.Contains(p)).ToList())
        {
            _assigned.Remove(gone);
            _awaitingRole.Remove(gone);
            var deleted = metadata.Topic(gone.Topic)?.TopicId != gone.TopicId;
            _log.Info("Broker {0}: replica {1} is no longer assigned here{2}", _brokerId, gone, deleted ? " (topic deleted)" : "");
            region.Tell(new StopReplica(gone, DeleteLog: deleted));
        }
        UpdateReadiness();
    }
}
