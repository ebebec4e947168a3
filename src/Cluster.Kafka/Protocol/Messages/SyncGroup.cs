using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>SyncGroup (14): the leader hands in the assignment; every member gets its share.</summary>
public sealed class SyncGroupRequest : IKafkaRequest, IKafkaStruct<SyncGroupRequest>
{
    public const short FirstFlexibleVersion = 4;
    public ApiKey ApiKey => ApiKey.SyncGroup;

    public string GroupId { get; set; } = "";
    public int GenerationId { get; set; }
    public string MemberId { get; set; } = "";
    /// <summary>v3+.</summary>
    public string? GroupInstanceId { get; set; }
    /// <summary>v5+ (KIP-559): checked against the group's if given.</summary>
    public string? ProtocolType { get; set; }
    public string? ProtocolName { get; set; }
    /// <summary>Non-empty only from the leader.</summary>
    public List<SyncGroupRequestAssignment> Assignments { get; set; } = [];

    public static SyncGroupRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new SyncGroupRequest { GroupId = r.ReadString(flex), GenerationId = r.ReadInt32(), MemberId = r.ReadString(flex) };
        if (version >= 3) m.GroupInstanceId = r.ReadNullableString(flex);
        if (version >= 5)
        {
            m.ProtocolType = r.ReadNullableString(flex);
            m.ProtocolName = r.ReadNullableString(flex);
        }
        m.Assignments = r.ReadArray<SyncGroupRequestAssignment>(version, flex);
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
        if (version >= 5)
        {
            w.WriteNullableString(ProtocolType, flex);
            w.WriteNullableString(ProtocolName, flex);
        }
        w.WriteArray(Assignments, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class SyncGroupRequestAssignment : IKafkaStruct<SyncGroupRequestAssignment>
{
    public string MemberId { get; set; } = "";
    public byte[] Assignment { get; set; } = [];

    public static SyncGroupRequestAssignment Read(ref KafkaReader r, short version)
    {
        bool flex = version >= SyncGroupRequest.FirstFlexibleVersion;
        var m = new SyncGroupRequestAssignment { MemberId = r.ReadString(flex), Assignment = r.ReadBytes(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= SyncGroupRequest.FirstFlexibleVersion;
        w.WriteString(MemberId, flex);
        w.WriteBytes(Assignment, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class SyncGroupResponse : IKafkaResponse, IKafkaStruct<SyncGroupResponse>
{
    public ApiKey ApiKey => ApiKey.SyncGroup;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v5+.</summary>
    public string? ProtocolType { get; set; }
    public string? ProtocolName { get; set; }
    /// <summary>This member's assignment, opaque to the broker.</summary>
    public byte[] Assignment { get; set; } = [];

    public static SyncGroupResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= SyncGroupRequest.FirstFlexibleVersion;
        var m = new SyncGroupResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        m.ErrorCode = r.ReadErrorCode();
        if (version >= 5)
        {
            m.ProtocolType = r.ReadNullableString(flex);
            m.ProtocolName = r.ReadNullableString(flex);
        }
        m.Assignment = r.ReadBytes(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= SyncGroupRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        if (version >= 5)
        {
            w.WriteNullableString(ProtocolType, flex);
            w.WriteNullableString(ProtocolName, flex);
        }
        w.WriteBytes(Assignment, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
