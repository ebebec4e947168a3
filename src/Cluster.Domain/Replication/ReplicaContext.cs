using Akka.Actor;

namespace Cluster.Domain.Replication;

/// <summary>
/// What a partition replica needs from its node: settings and where to send things.
/// <see cref="AddPartitionsToTxnManager"/> answers a leader's <see cref="VerifyTransaction"/>.
/// </summary>
public sealed record ReplicaContext(
    ReplicaSettings Settings,
    int LocalBrokerId,
    ReplicaRegions Regions,
    IActorRef Controller,
    IActorRef ReplicaManager,
    IActorRef AddPartitionsToTxnManager);

/// <summary>A replica finished recovery and asks its node's replica manager for its current state.</summary>
public sealed record ReplicaStarted(Log.TopicIdPartition Partition);

/// <summary>A replica took up the role of the given epoch (it recovered its log first).</summary>
public sealed record ReplicaRoleTaken(Log.TopicIdPartition Partition, int LeaderEpoch);

/// <summary>
/// Whether every replica this node hosts has recovered its log and taken the role the
/// controller gave it: the node serves its partitions only then (GET /v1/health).
/// Written only by the node's <see cref="ReplicaManager"/>.
/// </summary>
public sealed class ReplicaReadiness
{
    private volatile bool _ready;

    public bool AllReplicasReady => _ready;

    internal void Set(bool ready) => _ready = ready;
}
