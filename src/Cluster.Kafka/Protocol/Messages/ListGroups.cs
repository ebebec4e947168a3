using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>ListGroups (16): the groups this broker coordinates.</summary>
public sealed class ListGroupsRequest : IKafkaRequest, IKafkaStruct<ListGroupsRequest>
{
    public const short FirstFlexibleVersion = 3;
    public ApiKey ApiKey => ApiKey.ListGroups;

    /// <summary>v4+ (KIP-518): only groups in these states; empty = all.</summary>
    public List<string> StatesFilter { get; set; } = [];
    /// <summary>v5+ (KIP-848): only groups of these types ("classic", "consumer"); empty = all.</summary>
    public List<string> TypesFilter { get; set; } = [];

    public static ListGroupsRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new ListGroupsRequest();
        if (version >= 4) m.StatesFilter = r.ReadStringArray(flex);
        if (version >= 5) m.TypesFilter = r.ReadStringArray(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        if (version >= 4) w.WriteStringArray(StatesFilter, flex);
        if (version >= 5) w.WriteStringArray(TypesFilter, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ListGroupsResponse : IKafkaResponse, IKafkaStruct<ListGroupsResponse>
{
    public ApiKey ApiKey => ApiKey.ListGroups;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public List<ListedGroup> Groups { get; set; } = [];

    public static ListGroupsResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ListGroupsRequest.FirstFlexibleVersion;
        var m = new ListGroupsResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        m.ErrorCode = r.ReadErrorCode();
        m.Groups = r.ReadArray<ListedGroup>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ListGroupsRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        w.WriteArray(Groups, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ListedGroup : IKafkaStruct<ListedGroup>
{
    public string GroupId { get; set; } = "";
    public string ProtocolType { get; set; } = "";
    /// <summary>v4+.</summary>
    public string GroupState { get; set; } = "";
    /// <summary>v5+: "classic" for our groups.</summary>
    public string GroupType { get; set; } = "";

    public static ListedGroup Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ListGroupsRequest.FirstFlexibleVersion;
        var m = new ListedGroup { GroupId = r.ReadString(flex), ProtocolType = r.ReadString(flex) };
        if (version >= 4) m.GroupState = r.ReadString(flex);
        if (version >= 5) m.GroupType = r.ReadString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ListGroupsRequest.FirstFlexibleVersion;
        w.WriteString(GroupId, flex);
        w.WriteString(ProtocolType, flex);
        if (version >= 4) w.WriteString(GroupState, flex);
        if (version >= 5) w.WriteString(GroupType, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
