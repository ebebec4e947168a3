using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// OffsetFetch (9): a group's committed offsets. v1–7 ask for one group (<see cref="GroupId"/>,
/// <see cref="Topics"/>; null topics = all, v2+); v8+ (librdkafka) batch several
/// <see cref="Groups"/>. <see cref="AllGroups"/> gives the same view of both.
/// Kafka names the v8+ element types OffsetFetchRequestTopics/…Partitions; they have the same
/// fields as the v1–7 ones, so one type serves both here.
/// </summary>
public sealed class OffsetFetchRequest : IKafkaRequest, IKafkaStruct<OffsetFetchRequest>
{
    public const short FirstFlexibleVersion = 6;
    public ApiKey ApiKey => ApiKey.OffsetFetch;

    /// <summary>v0–7.</summary>
    public string GroupId { get; set; } = "";
    /// <summary>v0–7; null = every topic with committed offsets (v2+).</summary>
    public List<OffsetFetchRequestTopic>? Topics { get; set; }
    /// <summary>v8+.</summary>
    public List<OffsetFetchRequestGroup> Groups { get; set; } = [];
    /// <summary>v7+: answer UNSTABLE_OFFSET_COMMIT while a transaction holds pending offsets.</summary>
    public bool RequireStable { get; set; }

    /// <summary>The groups asked for, whatever the version.</summary>
    public IReadOnlyList<OffsetFetchRequestGroup> AllGroups(short version) =>
        version >= 8 ? Groups : [new OffsetFetchRequestGroup { GroupId = GroupId, Topics = Topics }];

    public static OffsetFetchRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new OffsetFetchRequest();
        if (version <= 7)
        {
            m.GroupId = r.ReadString(flex);
            m.Topics = version >= 2
                ? r.ReadNullableArray<OffsetFetchRequestTopic>(version, flex)
                : r.ReadArray<OffsetFetchRequestTopic>(version, flex);
        }
        else m.Groups = r.ReadArray<OffsetFetchRequestGroup>(version, flex);
        if (version >= 7) m.RequireStable = r.ReadBool();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        if (version <= 7)
        {
            w.WriteString(GroupId, flex);
            if (version >= 2) w.WriteNullableArray(Topics, version, flex);
            else w.WriteArray(Topics, version, flex);
        }
        else w.WriteArray(Groups, version, flex);
        if (version >= 7) w.WriteBool(RequireStable);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

/// <summary>v8+: one group of a batched OffsetFetch.</summary>
public sealed class OffsetFetchRequestGroup : IKafkaStruct<OffsetFetchRequestGroup>
{
    public string GroupId { get; set; } = "";
    /// <summary>v9+ (KIP-848 groups only).</summary>
    public string? MemberId { get; set; }
    public int MemberEpoch { get; set; } = -1;
    /// <summary>Null = all topics.</summary>
    public List<OffsetFetchRequestTopic>? Topics { get; set; }

    public static OffsetFetchRequestGroup Read(ref KafkaReader r, short version)
    {
        var m = new OffsetFetchRequestGroup { GroupId = r.ReadCompactString() };
        if (version >= 9)
        {
            m.MemberId = r.ReadCompactNullableString();
            m.MemberEpoch = r.ReadInt32();
        }
        m.Topics = r.ReadNullableArray<OffsetFetchRequestTopic>(version, true);
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteCompactString(GroupId);
        if (version >= 9)
        {
            w.WriteCompactNullableString(MemberId);
            w.WriteInt32(MemberEpoch);
        }
        w.WriteNullableArray(Topics, version, true);
        w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetFetchRequestTopic : IKafkaStruct<OffsetFetchRequestTopic>
{
    public string Name { get; set; } = "";
    public List<int> PartitionIndexes { get; set; } = [];

    public static OffsetFetchRequestTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        var m = new OffsetFetchRequestTopic { Name = r.ReadString(flex), PartitionIndexes = r.ReadInt32Array(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteInt32Array(PartitionIndexes, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetFetchResponse : IKafkaResponse, IKafkaStruct<OffsetFetchResponse>
{
    public ApiKey ApiKey => ApiKey.OffsetFetch;

    public int ThrottleTimeMs { get; set; }
    /// <summary>v0–7.</summary>
    public List<OffsetFetchResponseTopic> Topics { get; set; } = [];
    /// <summary>v2–7: group-level error (e.g. NOT_COORDINATOR).</summary>
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v8+.</summary>
    public List<OffsetFetchResponseGroup> Groups { get; set; } = [];

    /// <summary>Builds the response for any version from per-group answers: v8+ carries them all,
    /// older versions the first group's topics and error.</summary>
    public static OffsetFetchResponse For(short version, IReadOnlyList<OffsetFetchResponseGroup> groups)
    {
        var m = new OffsetFetchResponse();
        if (version >= 8) m.Groups = groups.ToList();
        else if (groups.Count > 0)
        {
            m.Topics = groups[0].Topics;
            m.ErrorCode = groups[0].ErrorCode;
        }
        return m;
    }

    public static OffsetFetchResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        var m = new OffsetFetchResponse();
        if (version >= 3) m.ThrottleTimeMs = r.ReadInt32();
        if (version <= 7)
        {
            m.Topics = r.ReadArray<OffsetFetchResponseTopic>(version, flex);
            if (version >= 2) m.ErrorCode = r.ReadErrorCode();
        }
        else m.Groups = r.ReadArray<OffsetFetchResponseGroup>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        if (version >= 3) w.WriteInt32(ThrottleTimeMs);
        if (version <= 7)
        {
            w.WriteArray(Topics, version, flex);
            if (version >= 2) w.WriteErrorCode(ErrorCode);
        }
        else w.WriteArray(Groups, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

/// <summary>v8+: one group's answer.</summary>
public sealed class OffsetFetchResponseGroup : IKafkaStruct<OffsetFetchResponseGroup>
{
    public string GroupId { get; set; } = "";
    public List<OffsetFetchResponseTopic> Topics { get; set; } = [];
    public ErrorCode ErrorCode { get; set; }

    public static OffsetFetchResponseGroup Read(ref KafkaReader r, short version)
    {
        var m = new OffsetFetchResponseGroup
        {
            GroupId = r.ReadCompactString(),
            Topics = r.ReadArray<OffsetFetchResponseTopic>(version, true),
            ErrorCode = r.ReadErrorCode(),
        };
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteCompactString(GroupId);
        w.WriteArray(Topics, version, true);
        w.WriteErrorCode(ErrorCode);
        w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetFetchResponseTopic : IKafkaStruct<OffsetFetchResponseTopic>
{
    public string Name { get; set; } = "";
    public List<OffsetFetchResponsePartition> Partitions { get; set; } = [];

    public static OffsetFetchResponseTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        var m = new OffsetFetchResponseTopic { Name = r.ReadString(flex), Partitions = r.ReadArray<OffsetFetchResponsePartition>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetFetchResponsePartition : IKafkaStruct<OffsetFetchResponsePartition>
{
    public int PartitionIndex { get; set; }
    /// <summary>-1 when the group has no committed offset for the partition.</summary>
    public long CommittedOffset { get; set; } = -1;
    /// <summary>v5+.</summary>
    public int CommittedLeaderEpoch { get; set; } = -1;
    public string? Metadata { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static OffsetFetchResponsePartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        var m = new OffsetFetchResponsePartition { PartitionIndex = r.ReadInt32(), CommittedOffset = r.ReadInt64() };
        if (version >= 5) m.CommittedLeaderEpoch = r.ReadInt32();
        m.Metadata = r.ReadNullableString(flex);
        m.ErrorCode = r.ReadErrorCode();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetFetchRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteInt64(CommittedOffset);
        if (version >= 5) w.WriteInt32(CommittedLeaderEpoch);
        w.WriteNullableString(Metadata, flex);
        w.WriteErrorCode(ErrorCode);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
