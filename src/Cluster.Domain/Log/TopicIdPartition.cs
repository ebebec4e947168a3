namespace Cluster.Domain.Log;

/// <summary>A partition as clients name it.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}-{Partition}";
}

/// <summary>
/// A partition of one incarnation of a topic. The topic id changes when a topic is deleted
/// and created again under the same name, so a new topic never sees the old one's log.
/// </summary>
public readonly record struct TopicIdPartition(long TopicId, string Topic, int Partition)
{
    public TopicPartition TopicPartition => new(Topic, Partition);

    /// <summary>Sharding entity id and persistence id: "orders-3-17".</summary>
    public string EntityId => $"{Topic}-{Partition}-{TopicId}";

    public static TopicIdPartition ParseEntityId(string entityId)
    {
        // Topic names may contain '-', so the two numeric fields are taken from the end.
        var last = entityId.LastIndexOf('-');
        var middle = entityId.LastIndexOf('-', last - 1);
        return new TopicIdPartition(
            long.Parse(entityId.AsSpan(last + 1)),
            entityId[..middle],
            int.Parse(entityId.AsSpan(middle + 1, last - middle - 1)));
    }

    public override string ToString() => $"{Topic}-{Partition}";
}
