using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// LeaveGroup (13): v0–2 carry one <see cref="MemberId"/>; v3+ a batch of <see cref="Members"/>
/// (KIP-345). librdkafka sends up to v1, kafkajs up to v3.
/// </summary>
public sealed class LeaveGroupRequest : IKafkaRequest, IKafkaStruct<LeaveGroupRequest>
{
    public const short FirstFlexibleVersion = 4;
    public ApiKey ApiKey => ApiKey.LeaveGroup;

    public string GroupId { get; set; } = "";
    /// <summary>v0–2.</summary>
    public string MemberId { get; set; } = "";
    /// <summary>v3+.</summary>
    public List<MemberIdentity> Members { get; set; } = [];

    /// <summary>The members leaving, whatever the version.</summary>
    public IReadOnlyList<MemberIdentity> AllMembers(short version) =>
        version >= 3 ? Members : [new MemberIdentity { MemberId = MemberId }];

    public static LeaveGroupRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new LeaveGroupRequest { GroupId = r.ReadString(flex) };
        if (version <= 2) m.MemberId = r.ReadString(flex);
        else m.Members = r.ReadArray<MemberIdentity>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteString(GroupId, flex);
        if (version <= 2) w.WriteString(MemberId, flex);
        else w.WriteArray(Members, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class MemberIdentity : IKafkaStruct<MemberIdentity>
{
    public string MemberId { get; set; } = "";
    public string? GroupInstanceId { get; set; }
    /// <summary>v5+ (KIP-800).</summary>
    public string? Reason { get; set; }

    public static MemberIdentity Read(ref KafkaReader r, short version)
    {
        bool flex = version >= LeaveGroupRequest.FirstFlexibleVersion;
        var m = new MemberIdentity { MemberId = r.ReadString(flex), GroupInstanceId = r.ReadNullableString(flex) };
        if (version >= 5) m.Reason = r.ReadNullableString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= LeaveGroupRequest.FirstFlexibleVersion;
        w.WriteString(MemberId, flex);
        w.WriteNullableString(GroupInstanceId, flex);
        if (version >= 5) w.WriteNullableString(Reason, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class LeaveGroupResponse : IKafkaResponse, IKafkaStruct<LeaveGroupResponse>
{
    public ApiKey ApiKey => ApiKey.LeaveGroup;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v3+: one result per member.</summary>
    public List<MemberResponse> Members { get; set; } = [];

    public static LeaveGroupResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= LeaveGroupRequest.FirstFlexibleVersion;
        var m = new LeaveGroupResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        m.ErrorCode = r.ReadErrorCode();
        if (version >= 3) m.Members = r.ReadArray<MemberResponse>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= LeaveGroupRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        if (version >= 3) w.WriteArray(Members, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class MemberResponse : IKafkaStruct<MemberResponse>
{
    public string MemberId { get; set; } = "";
    public string? GroupInstanceId { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static MemberResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= LeaveGroupRequest.FirstFlexibleVersion;
        var m = new MemberResponse { MemberId = r.ReadString(flex), GroupInstanceId = r.ReadNullableString(flex), ErrorCode = r.ReadErrorCode() };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= LeaveGroupRequest.FirstFlexibleVersion;
        w.WriteString(MemberId, flex);
        w.WriteNullableString(GroupInstanceId, flex);
        w.WriteErrorCode(ErrorCode);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
