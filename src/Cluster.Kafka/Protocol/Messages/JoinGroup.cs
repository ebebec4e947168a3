using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// JoinGroup (11): a member joins (or rejoins) a classic consumer group. librdkafka and kafkajs
/// use up to v5, the Java client up to v9. From v4 a broker may answer an empty MemberId with
/// MEMBER_ID_REQUIRED and the assigned id (KIP-394).
/// </summary>
public sealed class JoinGroupRequest : IKafkaRequest, IKafkaStruct<JoinGroupRequest>
{
    public const short FirstFlexibleVersion = 6;
    public ApiKey ApiKey => ApiKey.JoinGroup;

    public string GroupId { get; set; } = "";
    public int SessionTimeoutMs { get; set; }
    /// <summary>v1+. At v0 the reader sets it to <see cref="SessionTimeoutMs"/>, as Kafka says to.</summary>
    public int RebalanceTimeoutMs { get; set; } = -1;
    /// <summary>Empty on a first join.</summary>
    public string MemberId { get; set; } = "";
    /// <summary>v5+ static membership (KIP-345).</summary>
    public string? GroupInstanceId { get; set; }
    /// <summary>"consumer" for consumer groups.</summary>
    public string ProtocolType { get; set; } = "";
    /// <summary>The assignors the member supports, each with its subscription metadata.</summary>
    public List<JoinGroupRequestProtocol> Protocols { get; set; } = [];
    /// <summary>v8+ (KIP-800).</summary>
    public string? Reason { get; set; }

    public static JoinGroupRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new JoinGroupRequest { GroupId = r.ReadString(flex), SessionTimeoutMs = r.ReadInt32() };
        m.RebalanceTimeoutMs = version >= 1 ? r.ReadInt32() : m.SessionTimeoutMs;
        m.MemberId = r.ReadString(flex);
        if (version >= 5) m.GroupInstanceId = r.ReadNullableString(flex);
        m.ProtocolType = r.ReadString(flex);
        m.Protocols = r.ReadArray<JoinGroupRequestProtocol>(version, flex);
        if (version >= 8) m.Reason = r.ReadNullableString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteString(GroupId, flex);
        w.WriteInt32(SessionTimeoutMs);
        if (version >= 1) w.WriteInt32(RebalanceTimeoutMs);
        w.WriteString(MemberId, flex);
        if (version >= 5) w.WriteNullableString(GroupInstanceId, flex);
        w.WriteString(ProtocolType, flex);
        w.WriteArray(Protocols, version, flex);
        if (version >= 8) w.WriteNullableString(Reason, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class JoinGroupRequestProtocol : IKafkaStruct<JoinGroupRequestProtocol>
{
    /// <summary>Assignor name, e.g. "range", "roundrobin", "cooperative-sticky".</summary>
    public string Name { get; set; } = "";
    /// <summary>Opaque to the broker (the consumer's subscription).</summary>
    public byte[] Metadata { get; set; } = [];

    public static JoinGroupRequestProtocol Read(ref KafkaReader r, short version)
    {
        bool flex = version >= JoinGroupRequest.FirstFlexibleVersion;
        var m = new JoinGroupRequestProtocol { Name = r.ReadString(flex), Metadata = r.ReadBytes(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= JoinGroupRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteBytes(Metadata, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class JoinGroupResponse : IKafkaResponse, IKafkaStruct<JoinGroupResponse>
{
    public ApiKey ApiKey => ApiKey.JoinGroup;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public int GenerationId { get; set; } = -1;
    /// <summary>v7+ (KIP-559).</summary>
    public string? ProtocolType { get; set; }
    /// <summary>The chosen assignor; nullable from v7 (written empty before).</summary>
    public string? ProtocolName { get; set; }
    /// <summary>Member id of the leader, who computes the assignment.</summary>
    public string Leader { get; set; } = "";
    /// <summary>v9+; always false for classic groups.</summary>
    public bool SkipAssignment { get; set; }
    public string MemberId { get; set; } = "";
    /// <summary>Filled for the leader only.</summary>
    public List<JoinGroupResponseMember> Members { get; set; } = [];

    public static JoinGroupResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= JoinGroupRequest.FirstFlexibleVersion;
        var m = new JoinGroupResponse();
        if (version >= 2) m.ThrottleTimeMs = r.ReadInt32();
        m.ErrorCode = r.ReadErrorCode();
        m.GenerationId = r.ReadInt32();
        if (version >= 7) m.ProtocolType = r.ReadNullableString(flex);
        m.ProtocolName = version >= 7 ? r.ReadNullableString(flex) : r.ReadString(flex);
        m.Leader = r.ReadString(flex);
        if (version >= 9) m.SkipAssignment = r.ReadBool();
        m.MemberId = r.ReadString(flex);
        m.Members = r.ReadArray<JoinGroupResponseMember>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= JoinGroupRequest.FirstFlexibleVersion;
        if (version >= 2) w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        w.WriteInt32(GenerationId);
        if (version >= 7) w.WriteNullableString(ProtocolType, flex);
        if (version >= 7) w.WriteNullableString(ProtocolName, flex); else w.WriteString(ProtocolName, flex);
        w.WriteString(Leader, flex);
        if (version >= 9) w.WriteBool(SkipAssignment);
        w.WriteString(MemberId, flex);
        w.WriteArray(Members, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class JoinGroupResponseMember : IKafkaStruct<JoinGroupResponseMember>
{
    public string MemberId { get; set; } = "";
    public string? GroupInstanceId { get; set; }
    public byte[] Metadata { get; set; } = [];

    public static JoinGroupResponseMember Read(ref KafkaReader r, short version)
    {
        bool flex = version >= JoinGroupRequest.FirstFlexibleVersion;
        var m = new JoinGroupResponseMember { MemberId = r.ReadString(flex) };
        if (version >= 5) m.GroupInstanceId = r.ReadNullableString(flex);
        m.Metadata = r.ReadBytes(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= JoinGroupRequest.FirstFlexibleVersion;
        w.WriteString(MemberId, flex);
        if (version >= 5) w.WriteNullableString(GroupInstanceId, flex);
        w.WriteBytes(Metadata, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
