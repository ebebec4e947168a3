using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// FindCoordinator (10): which broker coordinates a group (KeyType 0) or a transactional id
/// (KeyType 1). v0–3 ask for one <see cref="Key"/>; v4+ (KIP-699, used by the Java client) ask
/// for several <see cref="CoordinatorKeys"/> and get one <see cref="Coordinator"/> each.
/// </summary>
public sealed class FindCoordinatorRequest : IKafkaRequest, IKafkaStruct<FindCoordinatorRequest>
{
    public const short FirstFlexibleVersion = 3;
    public const sbyte GroupKeyType = 0, TransactionKeyType = 1;
    public ApiKey ApiKey => ApiKey.FindCoordinator;

    /// <summary>v0–3.</summary>
    public string Key { get; set; } = "";
    /// <summary>v1+: 0 = group, 1 = transaction.</summary>
    public sbyte KeyType { get; set; }
    /// <summary>v4+.</summary>
    public List<string> CoordinatorKeys { get; set; } = [];

    /// <summary>The keys asked for, whatever the version.</summary>
    public IReadOnlyList<string> AllKeys(short version) => version >= 4 ? CoordinatorKeys : [Key];

    public static FindCoordinatorRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new FindCoordinatorRequest();
        if (version <= 3) m.Key = r.ReadString(flex);
        if (version >= 1) m.KeyType = r.ReadInt8();
        if (version >= 4) m.CoordinatorKeys = r.ReadStringArray(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        if (version <= 3) w.WriteString(Key, flex);
        if (version >= 1) w.WriteInt8(KeyType);
        if (version >= 4) w.WriteStringArray(CoordinatorKeys, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class FindCoordinatorResponse : IKafkaResponse, IKafkaStruct<FindCoordinatorResponse>
{
    public ApiKey ApiKey => ApiKey.FindCoordinator;

    public int ThrottleTimeMs { get; set; }
    /// <summary>v0–3 single answer.</summary>
    public ErrorCode ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public int NodeId { get; set; } = -1;
    public string Host { get; set; } = "";
    public int Port { get; set; } = -1;
    /// <summary>v4+: one answer per key.</summary>
    public List<Coordinator> Coordinators { get; set; } = [];

    /// <summary>
    /// Builds the response for any version from per-key answers: v4+ gets them all, v0–3 the
    /// first one in the top-level fields.
    /// </summary>
    public static FindCoordinatorResponse For(short version, IReadOnlyList<Coordinator> answers)
    {
        var m = new FindCoordinatorResponse();
        if (version >= 4) m.Coordinators = answers.ToList();
        else if (answers.Count > 0)
        {
            var a = answers[0];
            (m.ErrorCode, m.ErrorMessage, m.NodeId, m.Host, m.Port) = (a.ErrorCode, a.ErrorMessage, a.NodeId, a.Host, a.Port);
        }
        return m;
    }

    public static FindCoordinatorResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FindCoordinatorRequest.FirstFlexibleVersion;
        var m = new FindCoordinatorResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        if (version <= 3)
        {
            m.ErrorCode = r.ReadErrorCode();
            if (version >= 1) m.ErrorMessage = r.ReadNullableString(flex);
            m.NodeId = r.ReadInt32();
            m.Host = r.ReadString(flex);
            m.Port = r.ReadInt32();
        }
        else m.Coordinators = r.ReadArray<Coordinator>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FindCoordinatorRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        if (version <= 3)
        {
            w.WriteErrorCode(ErrorCode);
            if (version >= 1) w.WriteNullableString(ErrorMessage, flex);
            w.WriteInt32(NodeId);
            w.WriteString(Host, flex);
            w.WriteInt32(Port);
        }
        else w.WriteArray(Coordinators, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

/// <summary>v4+: the coordinator of one key (always flexible).</summary>
public sealed class Coordinator : IKafkaStruct<Coordinator>
{
    public string Key { get; set; } = "";
    public int NodeId { get; set; } = -1;
    public string Host { get; set; } = "";
    public int Port { get; set; } = -1;
    public ErrorCode ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }

    public static Coordinator Read(ref KafkaReader r, short version)
    {
        var m = new Coordinator
        {
            Key = r.ReadCompactString(),
            NodeId = r.ReadInt32(),
            Host = r.ReadCompactString(),
            Port = r.ReadInt32(),
            ErrorCode = r.ReadErrorCode(),
            ErrorMessage = r.ReadCompactNullableString(),
        };
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteCompactString(Key);
        w.WriteInt32(NodeId);
        w.WriteCompactString(Host);
        w.WriteInt32(Port);
        w.WriteErrorCode(ErrorCode);
        w.WriteCompactNullableString(ErrorMessage);
        w.WriteEmptyTaggedFields();
    }
}
