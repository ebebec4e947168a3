using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>Heartbeat (12): a member keeps its session; REBALANCE_IN_PROGRESS tells it to rejoin.</summary>
public sealed class HeartbeatRequest : IKafkaRequest, IKafkaStruct<HeartbeatRequest>
{
    public const short FirstFlexibleVersion = 4;
    public ApiKey ApiKey => ApiKey.Heartbeat;

    public string GroupId { get; set; } = "";
    public int GenerationId { get; set; }
    public string MemberId { get; set; } = "";
    /// <summary>v3+.</summary>
    public string? GroupInstanceId { get; set; }

    public static HeartbeatRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new HeartbeatRequest { GroupId = r.ReadString(flex), GenerationId = r.ReadInt32(), MemberId = r.ReadString(flex) };
        if (version >= 3) m.GroupInstanceId = r.ReadNullableString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteString(GroupId, flex);
        w.WriteInt32(GenerationId);
        w.WriteString(MemberId, flex);
        if (version >= 3) w.WriteNullableString(GroupInstanceId, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class HeartbeatResponse : IKafkaResponse, IKafkaStruct<HeartbeatResponse>
{
    public ApiKey ApiKey => ApiKey.Heartbeat;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static HeartbeatResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= HeartbeatRequest.FirstFlexibleVersion;
        var m = new HeartbeatResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        m.ErrorCode = r.ReadErrorCode();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= HeartbeatRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
