using System.Collections.Immutable;
using Cluster.Domain.Log;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Controller;

/// <summary>
/// Where a broker can be reached, as it told the controller when it joined.
/// <see cref="Incarnation"/> is its cluster member uid: a new one means the broker restarted.
/// </summary>
public sealed record BrokerRegistration(int BrokerId, string Host, int Port, int HttpPort, int KafkaPort, long Incarnation = 0) : IClusterMessage;

/// <summary>
/// One partition's replica assignment and leadership, owned by the controller. The leader
/// epoch changes with every leadership change; the partition epoch with every change at all
/// (ISR included), so a leader's ISR request can be checked against what it last saw.
/// </summary>
public sealed record PartitionState(int Partition, int[] Replicas, int Leader, int LeaderEpoch, int[] Isr, int PartitionEpoch)
{
    public const int NoLeader = -1;

    public bool HasLeader => Leader != NoLeader;

    public bool SameAs(PartitionState other) =>
        Partition == other.Partition && Leader == other.Leader && LeaderEpoch == other.LeaderEpoch &&
        PartitionEpoch == other.PartitionEpoch && Replicas.SequenceEqual(other.Replicas) && Isr.SequenceEqual(other.Isr);
}

public sealed record TopicMetadata(
    string Name,
    long TopicId,
    ImmutableSortedDictionary<string, string> Configs,
    ImmutableArray<PartitionState> Partitions)
{
    public bool IsInternal => Name.StartsWith("__", StringComparison.Ordinal);

    public TopicConfig Config => TopicConfig.From(Configs);

    public TopicIdPartition PartitionId(int partition) => new(TopicId, Name, partition);
}

/// <summary>
/// Everything the controller owns, replicated to every node through DistributedData.
/// <see cref="Version"/> grows with every change and doubles as the LWW clock, so the newest
/// controller decision wins however the nodes' clocks drift.
/// </summary>
public sealed record ClusterMetadata(
    long Version,
    string ClusterId,
    ImmutableSortedDictionary<int, BrokerRegistration> Brokers,
    ImmutableSortedDictionary<string, TopicMetadata> Topics,
    long NextTopicId,
    long NextProducerId) : IClusterMessage
{
    public static readonly ClusterMetadata Empty = new(
        0, "", ImmutableSortedDictionary<int, BrokerRegistration>.Empty,
        ImmutableSortedDictionary<string, TopicMetadata>.Empty, 1, 0);

    public TopicMetadata? Topic(string name) => Topics.GetValueOrDefault(name);

    public ClusterMetadata Next() => this with { Version = Version + 1 };
}
