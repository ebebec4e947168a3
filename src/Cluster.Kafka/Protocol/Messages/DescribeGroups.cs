using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>DescribeGroups (15): state, protocol and members of classic groups.</summary>
public sealed class DescribeGroupsRequest : IKafkaRequest, IKafkaStruct<DescribeGroupsRequest>
{
    public const short FirstFlexibleVersion = 5;
    public ApiKey ApiKey => ApiKey.DescribeGroups;

    public List<string> Groups { get; set; } = [];
    /// <summary>v3+.</summary>
    public bool IncludeAuthorizedOperations { get; set; }

    public static DescribeGroupsRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new DescribeGroupsRequest { Groups = r.ReadStringArray(flex) };
        if (version >= 3) m.IncludeAuthorizedOperations = r.ReadBool();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteStringArray(Groups, flex);
        if (version >= 3) w.WriteBool(IncludeAuthorizedOperations);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DescribeGroupsResponse : IKafkaResponse, IKafkaStruct<DescribeGroupsResponse>
{
    public ApiKey ApiKey => ApiKey.DescribeGroups;

    public int ThrottleTimeMs { get; set; }
    public List<DescribedGroup> Groups { get; set; } = [];

    public static DescribeGroupsResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeGroupsRequest.FirstFlexibleVersion;
        var m = new DescribeGroupsResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        m.Groups = r.ReadArray<DescribedGroup>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeGroupsRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Groups, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DescribedGroup : IKafkaStruct<DescribedGroup>
{
    public ErrorCode ErrorCode { get; set; }
    public string GroupId { get; set; } = "";
    /// <summary>Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".</summary>
    public string GroupState { get; set; } = "";
    public string ProtocolType { get; set; } = "";
    /// <summary>The chosen assignor (filled when Stable).</summary>
    public string ProtocolData { get; set; } = "";
    public List<DescribedGroupMember> Members { get; set; } = [];
    public int AuthorizedOperations { get; set; } = int.MinValue;

    public static DescribedGroup Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeGroupsRequest.FirstFlexibleVersion;
        var m = new DescribedGroup
        {
            ErrorCode = r.ReadErrorCode(),
            GroupId = r.ReadString(flex),
            GroupState = r.ReadString(flex),
            ProtocolType = r.ReadString(flex),
            ProtocolData = r.ReadString(flex),
            Members = r.ReadArray<DescribedGroupMember>(version, flex),
        };
        if (version >= 3) m.AuthorizedOperations = r.ReadInt32();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeGroupsRequest.FirstFlexibleVersion;
        w.WriteErrorCode(ErrorCode);
        w.WriteString(GroupId, flex);
        w.WriteString(GroupState, flex);
        w.WriteString(ProtocolType, flex);
        w.WriteString(ProtocolData, flex);
        w.WriteArray(Members, version, flex);
        if (version >= 3) w.WriteInt32(AuthorizedOperations);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DescribedGroupMember : IKafkaStruct<DescribedGroupMember>
{
    public string MemberId { get; set; } = "";
    /// <summary>v4+.</summary>
    public string? GroupInstanceId { get; set; }
    public string ClientId { get; set; } = "";
    public string ClientHost { get; set; } = "";
    public byte[] MemberMetadata { get; set; } = [];
    public byte[] MemberAssignment { get; set; } = [];

    public static DescribedGroupMember Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeGroupsRequest.FirstFlexibleVersion;
        var m = new DescribedGroupMember { MemberId = r.ReadString(flex) };
        if (version >= 4) m.GroupInstanceId = r.ReadNullableString(flex);
        m.ClientId = r.ReadString(flex);
        m.ClientHost = r.ReadString(flex);
        m.MemberMetadata = r.ReadBytes(flex);
        m.MemberAssignment = r.ReadBytes(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeGroupsRequest.FirstFlexibleVersion;
        w.WriteString(MemberId, flex);
        if (version >= 4) w.WriteNullableString(GroupInstanceId, flex);
        w.WriteString(ClientId, flex);
        w.WriteString(ClientHost, flex);
        w.WriteBytes(MemberMetadata, flex);
        w.WriteBytes(MemberAssignment, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
