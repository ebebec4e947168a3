using Akka.Actor;

namespace Cluster.Domain.Replication;

/// <summary>What a partition replica needs from its node: settings and where to send things.</summary>
public sealed record ReplicaContext(
    ReplicaSettings Settings,
    int LocalBrokerId,
    ReplicaRegions Regions,
    IActorRef Controller,
    IActorRef ReplicaManager);

/// <summary>A replica finished recovery and asks its node's replica manager for its current state.</summary>
public sealed record ReplicaStarted(Log.TopicIdPartition Partition);
