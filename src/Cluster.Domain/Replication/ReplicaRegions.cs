using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Cluster.Domain.Replication;

/// <summary>
/// Routes to partition replicas. Each broker has its own shard region type
/// (<c>replica-b{N}</c>) started only on the node with role <c>broker-{N}</c>, so a replica can
/// never start on a node whose journal does not hold its log; every other node reaches it
/// through a proxy, started on first use. Messages to a broker that is down wait in the
/// proxies until it is back (the sender's own timeout decides how long that may be).
/// </summary>
public sealed class ReplicaRegions
{
    private const int ShardsPerBroker = 16;
    private readonly ConcurrentDictionary<int, IActorRef> _regions = new();
    private readonly ClusterSharding _sharding;
    private readonly IMessageExtractor _extractor = new ReplicaMessageExtractor();

    public ReplicaRegions(ActorSystem system, int localBrokerId)
    {
        _sharding = ClusterSharding.Get(system);
        LocalBrokerId = localBrokerId;
    }

    public int LocalBrokerId { get; }

    public static string TypeName(int brokerId) => $"replica-b{brokerId}";
    public static string RoleOf(int brokerId) => $"broker-{brokerId}";

    public IActorRef StartLocal(Func<string, Props> replicaProps)
    {
        return _regions[LocalBrokerId] = _sharding.Start(
            TypeName(LocalBrokerId), replicaProps,
            _sharding.Settings.WithRole(RoleOf(LocalBrokerId)).WithRememberEntities(false),
            _extractor);
    }

    public IActorRef Local => _regions[LocalBrokerId];

    public IActorRef ForBroker(int brokerId) =>
        _regions.GetOrAdd(brokerId, id => _sharding.StartProxy(TypeName(id), RoleOf(id), _extractor));

    private sealed class ReplicaMessageExtractor : HashCodeMessageExtractor
    {
        public ReplicaMessageExtractor() : base(ShardsPerBroker) { }

        public override string? EntityId(object message) => (message as IReplicaMessage)?.Partition.EntityId;
    }
}
