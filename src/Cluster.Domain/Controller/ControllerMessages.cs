using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Controller;

/// <summary>A request the cluster controller decides on and writes to the replicated metadata.</summary>
public interface IControllerCommand : IClusterMessage;

public sealed record CreateTopic(string Name, int Partitions, int ReplicationFactor, IReadOnlyDictionary<string, string> Configs) : IControllerCommand;

public sealed record DeleteTopic(string Name) : IControllerCommand;

/// <summary>Sets the given configs (others keep their values).</summary>
public sealed record AlterTopicConfigs(string Name, IReadOnlyDictionary<string, string> Configs) : IControllerCommand;

/// <summary>A leader asks to change its partition's ISR (Kafka's AlterPartition, KIP-497).</summary>
public sealed record AlterPartition(TopicIdPartition Partition, int LeaderId, int LeaderEpoch, int PartitionEpoch, int[] NewIsr) : IControllerCommand;

public sealed record RegisterBroker(BrokerRegistration Registration) : IControllerCommand;

/// <summary>A broker about to stop asks that its leaderships move to other ISR members first.</summary>
public sealed record ControlledShutdown(int BrokerId) : IControllerCommand;

/// <summary>A block of producer ids, unique for ever across the cluster.</summary>
public sealed record AllocateProducerIds(int Count) : IControllerCommand;

/// <summary>Generic answer: on success, the metadata version that holds the change.</summary>
public sealed record ControllerResult(ErrorCode Error, string? Message, long MetadataVersion) : IClusterMessage
{
    public bool Ok => Error == ErrorCode.None;
}

public sealed record AlterPartitionResult(TopicIdPartition Partition, ErrorCode Error, PartitionState? State) : IClusterMessage;

public sealed record ProducerIdBlock(ErrorCode Error, long FirstProducerId, int Count) : IClusterMessage;

/// <summary>
/// New metadata for a node. The controller pushes each version to every node right after
/// writing it (<see cref="FromController"/>); gossip delivers the same data later.
/// </summary>
public sealed record MetadataUpdate(ClusterMetadata Metadata, bool FromController = false) : IClusterMessage;
