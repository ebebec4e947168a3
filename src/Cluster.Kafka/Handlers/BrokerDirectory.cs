using System.Buffers.Binary;
using System.Globalization;
using Akka.Cluster;
using Cluster.Domain.Controller;
using Cluster.Domain.Hosting;

namespace Cluster.Kafka.Handlers;

/// <summary>
/// What Kafka clients are told about the brokers: each registered broker's Kafka listener
/// (the host it advertises and its <c>--kafka-port</c>), which of them are alive, and which
/// one is the controller (Kafka clients send admin requests there; any node would do).
/// </summary>
public static class BrokerDirectory
{
    private const string BrokerRole = "broker";
    private const string BrokerRolePrefix = "broker-";

    /// <summary>Registered brokers with a Kafka listener, by id.</summary>
    public static IEnumerable<BrokerRegistration> KafkaBrokers(ClusterMetadata metadata) =>
        metadata.Brokers.Values.Where(b => b.KafkaPort > 0);

    /// <summary>Brokers that are Up members of the cluster now (reachable or not yet known unreachable).</summary>
    public static HashSet<int> LiveBrokers(BrokerNode node)
    {
        var live = new HashSet<int>();
        var state = node.Cluster.State;
        foreach (var member in state.Members)
            if (member.Status == MemberStatus.Up && BrokerIdOf(member) is { } id)
                live.Add(id);
        foreach (var member in state.Unreachable)
            if (BrokerIdOf(member) is { } id)
                live.Remove(id);
        return live;
    }

    /// <summary>The broker the controller singleton runs on: the oldest Up broker member, or -1.</summary>
    public static int ControllerId(BrokerNode node)
    {
        Member? oldest = null;
        foreach (var member in node.Cluster.State.Members)
            if (member.Status == MemberStatus.Up && member.HasRole(BrokerRole) && (oldest is null || member.IsOlderThan(oldest)))
                oldest = member;
        return oldest is null ? -1 : BrokerIdOf(oldest) ?? -1;
    }

    public static int? BrokerIdOf(Member member)
    {
        foreach (var role in member.Roles)
            if (role.StartsWith(BrokerRolePrefix, StringComparison.Ordinal) &&
                int.TryParse(role.AsSpan(BrokerRolePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                return id;
        return null;
    }

    /// <summary>
    /// Kafka's topic ids are UUIDs; ours are cluster-unique longs. The UUID carries the long in
    /// its last 8 bytes behind a fixed, non-zero prefix (a zero UUID means "no id" to clients).
    /// </summary>
    public static Guid TopicUuid(long topicId)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, 0x436C75737465724CL); // "ClusterL"
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], topicId);
        return new Guid(bytes, bigEndian: true);
    }

    public static TopicMetadata? TopicByUuid(ClusterMetadata metadata, Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!uuid.TryWriteBytes(bytes, bigEndian: true, out _)) return null;
        if (BinaryPrimitives.ReadInt64BigEndian(bytes) != 0x436C75737465724CL) return null;
        var id = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        return metadata.Topics.Values.FirstOrDefault(t => t.TopicId == id);
    }
}
