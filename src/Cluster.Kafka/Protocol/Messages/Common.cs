namespace Cluster.Kafka.Protocol.Messages;

// Structures shared by several APIs. They only ever appear inside tagged fields, which exist
// only at flexible versions, so they are always encoded compactly with their own tagged fields.

/// <summary>The current leader of a partition (KIP-951), so a client can skip a metadata refresh
/// after NOT_LEADER_OR_FOLLOWER. In Produce v10+ and Fetch v12+ responses.</summary>
public sealed class LeaderIdAndEpoch : IKafkaStruct<LeaderIdAndEpoch>
{
    public int LeaderId { get; set; } = -1;
    public int LeaderEpoch { get; set; } = -1;

    public static LeaderIdAndEpoch Read(ref KafkaReader r, short version)
    {
        var m = new LeaderIdAndEpoch { LeaderId = r.ReadInt32(), LeaderEpoch = r.ReadInt32() };
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt32(LeaderId);
        w.WriteInt32(LeaderEpoch);
        w.WriteEmptyTaggedFields();
    }
}

/// <summary>A broker's address, sent with <see cref="LeaderIdAndEpoch"/> (KIP-951).</summary>
public sealed class NodeEndpoint : IKafkaStruct<NodeEndpoint>
{
    public int NodeId { get; set; }
    public string Host { get; set; } = "";
    public int Port { get; set; }
    public string? Rack { get; set; }

    public static NodeEndpoint Read(ref KafkaReader r, short version)
    {
        var m = new NodeEndpoint
        {
            NodeId = r.ReadInt32(),
            Host = r.ReadCompactString(),
            Port = r.ReadInt32(),
            Rack = r.ReadCompactNullableString(),
        };
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt32(NodeId);
        w.WriteCompactString(Host);
        w.WriteInt32(Port);
        w.WriteCompactNullableString(Rack);
        w.WriteEmptyTaggedFields();
    }
}
