using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>TxnOffsetCommit (28): group offsets that become visible only if the transaction commits.</summary>
public sealed class TxnOffsetCommitRequest : IKafkaRequest, IKafkaStruct<TxnOffsetCommitRequest>
{
    public const short FirstFlexibleVersion = 3;
    public ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public string TransactionalId { get; set; } = "";
    public string GroupId { get; set; } = "";
    public long ProducerId { get; set; }
    public short ProducerEpoch { get; set; }
    /// <summary>v3+ (KIP-447): the consumer's group generation, for fencing zombies.</summary>
    public int GenerationId { get; set; } = -1;
    public string MemberId { get; set; } = "";
    public string? GroupInstanceId { get; set; }
    public List<TxnOffsetCommitRequestTopic> Topics { get; set; } = [];

    public static TxnOffsetCommitRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new TxnOffsetCommitRequest
        {
            TransactionalId = r.ReadString(flex),
            GroupId = r.ReadString(flex),
            ProducerId = r.ReadInt64(),
            ProducerEpoch = r.ReadInt16(),
        };
        if (version >= 3)
        {
            m.GenerationId = r.ReadInt32();
            m.MemberId = r.ReadString(flex);
            m.GroupInstanceId = r.ReadNullableString(flex);
        }
        m.Topics = r.ReadArray<TxnOffsetCommitRequestTopic>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteString(TransactionalId, flex);
        w.WriteString(GroupId, flex);
        w.WriteInt64(ProducerId);
        w.WriteInt16(ProducerEpoch);
        if (version >= 3)
        {
            w.WriteInt32(GenerationId);
            w.WriteString(MemberId, flex);
            w.WriteNullableString(GroupInstanceId, flex);
        }
        w.WriteArray(Topics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class TxnOffsetCommitRequestTopic : IKafkaStruct<TxnOffsetCommitRequestTopic>
{
    public string Name { get; set; } = "";
    public List<TxnOffsetCommitRequestPartition> Partitions { get; set; } = [];

    public static TxnOffsetCommitRequestTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        var m = new TxnOffsetCommitRequestTopic { Name = r.ReadString(flex), Partitions = r.ReadArray<TxnOffsetCommitRequestPartition>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class TxnOffsetCommitRequestPartition : IKafkaStruct<TxnOffsetCommitRequestPartition>
{
    public int PartitionIndex { get; set; }
    public long CommittedOffset { get; set; }
    /// <summary>v2+.</summary>
    public int CommittedLeaderEpoch { get; set; } = -1;
    public string? CommittedMetadata { get; set; }

    public static TxnOffsetCommitRequestPartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        var m = new TxnOffsetCommitRequestPartition { PartitionIndex = r.ReadInt32(), CommittedOffset = r.ReadInt64() };
        if (version >= 2) m.CommittedLeaderEpoch = r.ReadInt32();
        m.CommittedMetadata = r.ReadNullableString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteInt64(CommittedOffset);
        if (version >= 2) w.WriteInt32(CommittedLeaderEpoch);
        w.WriteNullableString(CommittedMetadata, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class TxnOffsetCommitResponse : IKafkaResponse, IKafkaStruct<TxnOffsetCommitResponse>
{
    public ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    public int ThrottleTimeMs { get; set; }
    public List<TxnOffsetCommitResponseTopic> Topics { get; set; } = [];

    public static TxnOffsetCommitResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        var m = new TxnOffsetCommitResponse { ThrottleTimeMs = r.ReadInt32(), Topics = r.ReadArray<TxnOffsetCommitResponseTopic>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Topics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class TxnOffsetCommitResponseTopic : IKafkaStruct<TxnOffsetCommitResponseTopic>
{
    public string Name { get; set; } = "";
    public List<TxnOffsetCommitResponsePartition> Partitions { get; set; } = [];

    public static TxnOffsetCommitResponseTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        var m = new TxnOffsetCommitResponseTopic { Name = r.ReadString(flex), Partitions = r.ReadArray<TxnOffsetCommitResponsePartition>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class TxnOffsetCommitResponsePartition : IKafkaStruct<TxnOffsetCommitResponsePartition>
{
    public int PartitionIndex { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static TxnOffsetCommitResponsePartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        var m = new TxnOffsetCommitResponsePartition { PartitionIndex = r.ReadInt32(), ErrorCode = r.ReadErrorCode() };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= TxnOffsetCommitRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteErrorCode(ErrorCode);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
