using Cluster.Kafka.Protocol;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// The "consumer" embedded protocol that group members exchange through JoinGroup and
/// SyncGroup (Kafka's ConsumerProtocolSubscription and ConsumerProtocolAssignment): the
/// topics a member subscribes to, and the partitions it is assigned. Clients of every
/// version read assignment version 0, which is what we write.
/// </summary>
public static class ConsumerProtocol
{
    public const string ProtocolType = "consumer";

    /// <summary>The subscribed topics of a member's protocol metadata; null when the bytes do not decode.</summary>
    public static List<string>? ReadSubscriptionTopics(byte[] metadata)
    {
        try
        {
            var r = new KafkaReader(metadata);
            var version = r.ReadInt16();
            if (version < 0) return null;
            var topics = r.ReadStringArray(flexible: false);
            return topics.Where(t => t.Length > 0).Distinct().ToList();
        }
        catch (KafkaProtocolException)
        {
            return null;
        }
    }

    /// <summary>Subscription v0: what DescribeGroups shows as a member's metadata.</summary>
    public static byte[] WriteSubscription(IEnumerable<string> topics)
    {
        using var w = new KafkaWriter();
        w.WriteInt16(0);
        w.WriteStringArray(topics.ToList(), flexible: false);
        w.WriteNullableBytes(null);
        return w.ToArray();
    }

    /// <summary>Assignment v0: partitions grouped by topic, no user data.</summary>
    public static byte[] WriteAssignment(IEnumerable<(string Topic, int Partition)> partitions)
    {
        using var w = new KafkaWriter();
        w.WriteInt16(0);
        var byTopic = partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        w.WriteInt32(byTopic.Count);
        foreach (var topic in byTopic)
        {
            w.WriteString(topic.Key);
            w.WriteInt32Array(topic.Select(p => p.Partition).Order().ToList(), flexible: false);
        }
        w.WriteNullableBytes(null);
        return w.ToArray();
    }

    /// <summary>Reads an assignment (any version: fields after the partitions are skipped).</summary>
    public static List<(string Topic, int Partition)> ReadAssignment(byte[] assignment)
    {
        var r = new KafkaReader(assignment);
        r.ReadInt16();
        var result = new List<(string, int)>();
        var topics = r.ReadInt32();
        for (var i = 0; i < topics; i++)
        {
            var topic = r.ReadString();
            foreach (var p in r.ReadInt32Array(flexible: false)) result.Add((topic, p));
        }
        return result;
    }
}
