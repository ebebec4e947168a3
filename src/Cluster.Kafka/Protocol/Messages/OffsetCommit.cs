using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// OffsetCommit (8): a group's committed offsets (the next offset to read). kafkajs sends up to
/// v5, librdkafka up to v9 (v9 is v8 on the wire; KIP-848 member epochs only matter to groups
/// of the new protocol, which we do not run).
/// </summary>
public sealed class OffsetCommitRequest : IKafkaRequest, IKafkaStruct<OffsetCommitRequest>
{
    public const short FirstFlexibleVersion = 8;
    public ApiKey ApiKey => ApiKey.OffsetCommit;

    public string GroupId { get; set; } = "";
    /// <summary>v1+: the member's generation; -1 for a commit from outside the group (simple consumer).</summary>
    public int GenerationIdOrMemberEpoch { get; set; } = -1;
    /// <summary>v1+; empty for a commit from outside the group.</summary>
    public string MemberId { get; set; } = "";
    /// <summary>v7+.</summary>
    public string? GroupInstanceId { get; set; }
    /// <summary>v2–4 only; -1 = broker default.</summary>
    public long RetentionTimeMs { get; set; } = -1;
    public List<OffsetCommitRequestTopic> Topics { get; set; } = [];

    public static OffsetCommitRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new OffsetCommitRequest { GroupId = r.ReadString(flex) };
        if (version >= 1)
        {
            m.GenerationIdOrMemberEpoch = r.ReadInt32();
            m.MemberId = r.ReadString(flex);
        }
        if (version >= 7) m.GroupInstanceId = r.ReadNullableString(flex);
        if (version >= 2 && version <= 4) m.RetentionTimeMs = r.ReadInt64();
        m.Topics = r.ReadArray<OffsetCommitRequestTopic>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteString(GroupId, flex);
        if (version >= 1)
        {
            w.WriteInt32(GenerationIdOrMemberEpoch);
            w.WriteString(MemberId, flex);
        }
        if (version >= 7) w.WriteNullableString(GroupInstanceId, flex);
        if (version >= 2 && version <= 4) w.WriteInt64(RetentionTimeMs);
        w.WriteArray(Topics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetCommitRequestTopic : IKafkaStruct<OffsetCommitRequestTopic>
{
    public string Name { get; set; } = "";
    public List<OffsetCommitRequestPartition> Partitions { get; set; } = [];

    public static OffsetCommitRequestTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        var m = new OffsetCommitRequestTopic { Name = r.ReadString(flex), Partitions = r.ReadArray<OffsetCommitRequestPartition>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetCommitRequestPartition : IKafkaStruct<OffsetCommitRequestPartition>
{
    public int PartitionIndex { get; set; }
    public long CommittedOffset { get; set; }
    /// <summary>v6+.</summary>
    public int CommittedLeaderEpoch { get; set; } = -1;
    /// <summary>v1 only.</summary>
    public long CommitTimestamp { get; set; } = -1;
    public string? CommittedMetadata { get; set; }

    public static OffsetCommitRequestPartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        var m = new OffsetCommitRequestPartition { PartitionIndex = r.ReadInt32(), CommittedOffset = r.ReadInt64() };
        if (version >= 6) m.CommittedLeaderEpoch = r.ReadInt32();
        if (version == 1) m.CommitTimestamp = r.ReadInt64();
        m.CommittedMetadata = r.ReadNullableString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteInt64(CommittedOffset);
        if (version >= 6) w.WriteInt32(CommittedLeaderEpoch);
        if (version == 1) w.WriteInt64(CommitTimestamp);
        w.WriteNullableString(CommittedMetadata, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetCommitResponse : IKafkaResponse, IKafkaStruct<OffsetCommitResponse>
{
    public ApiKey ApiKey => ApiKey.OffsetCommit;

    public int ThrottleTimeMs { get; set; }
    public List<OffsetCommitResponseTopic> Topics { get; set; } = [];

    public static OffsetCommitResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        var m = new OffsetCommitResponse();
        if (version >= 3) m.ThrottleTimeMs = r.ReadInt32();
        m.Topics = r.ReadArray<OffsetCommitResponseTopic>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        if (version >= 3) w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Topics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetCommitResponseTopic : IKafkaStruct<OffsetCommitResponseTopic>
{
    public string Name { get; set; } = "";
    public List<OffsetCommitResponsePartition> Partitions { get; set; } = [];

    public static OffsetCommitResponseTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        var m = new OffsetCommitResponseTopic { Name = r.ReadString(flex), Partitions = r.ReadArray<OffsetCommitResponsePartition>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class OffsetCommitResponsePartition : IKafkaStruct<OffsetCommitResponsePartition>
{
    public int PartitionIndex { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static OffsetCommitResponsePartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        var m = new OffsetCommitResponsePartition { PartitionIndex = r.ReadInt32(), ErrorCode = r.ReadErrorCode() };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= OffsetCommitRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteErrorCode(ErrorCode);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
