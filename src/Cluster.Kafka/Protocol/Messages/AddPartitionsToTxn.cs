using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// AddPartitionsToTxn (24): a transactional producer names the partitions it is about to write.
/// Supported v0–3, the client form (librdkafka sends v0, kafkajs up to v1). Kafka calls these
/// fields V3AndBelowTransactionalId etc. because v4+ is a different, broker-only batched form.
/// </summary>
public sealed class AddPartitionsToTxnRequest : IKafkaRequest, IKafkaStruct<AddPartitionsToTxnRequest>
{
    public const short FirstFlexibleVersion = 3;
    public ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    public string V3AndBelowTransactionalId { get; set; } = "";
    public long V3AndBelowProducerId { get; set; }
    public short V3AndBelowProducerEpoch { get; set; }
    public List<AddPartitionsToTxnTopic> V3AndBelowTopics { get; set; } = [];

    public static AddPartitionsToTxnRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = r.ReadString(flex),
            V3AndBelowProducerId = r.ReadInt64(),
            V3AndBelowProducerEpoch = r.ReadInt16(),
            V3AndBelowTopics = r.ReadArray<AddPartitionsToTxnTopic>(version, flex),
        };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteString(V3AndBelowTransactionalId, flex);
        w.WriteInt64(V3AndBelowProducerId);
        w.WriteInt16(V3AndBelowProducerEpoch);
        w.WriteArray(V3AndBelowTopics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class AddPartitionsToTxnTopic : IKafkaStruct<AddPartitionsToTxnTopic>
{
    public string Name { get; set; } = "";
    public List<int> Partitions { get; set; } = [];

    public static AddPartitionsToTxnTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        var m = new AddPartitionsToTxnTopic { Name = r.ReadString(flex), Partitions = r.ReadInt32Array(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteInt32Array(Partitions, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class AddPartitionsToTxnResponse : IKafkaResponse, IKafkaStruct<AddPartitionsToTxnResponse>
{
    public ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    public int ThrottleTimeMs { get; set; }
    public List<AddPartitionsToTxnTopicResult> ResultsByTopicV3AndBelow { get; set; } = [];

    public static AddPartitionsToTxnResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        var m = new AddPartitionsToTxnResponse
        {
            ThrottleTimeMs = r.ReadInt32(),
            ResultsByTopicV3AndBelow = r.ReadArray<AddPartitionsToTxnTopicResult>(version, flex),
        };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(ResultsByTopicV3AndBelow, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class AddPartitionsToTxnTopicResult : IKafkaStruct<AddPartitionsToTxnTopicResult>
{
    public string Name { get; set; } = "";
    public List<AddPartitionsToTxnPartitionResult> ResultsByPartition { get; set; } = [];

    public static AddPartitionsToTxnTopicResult Read(ref KafkaReader r, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        var m = new AddPartitionsToTxnTopicResult { Name = r.ReadString(flex), ResultsByPartition = r.ReadArray<AddPartitionsToTxnPartitionResult>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(ResultsByPartition, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class AddPartitionsToTxnPartitionResult : IKafkaStruct<AddPartitionsToTxnPartitionResult>
{
    public int PartitionIndex { get; set; }
    public ErrorCode PartitionErrorCode { get; set; }

    public static AddPartitionsToTxnPartitionResult Read(ref KafkaReader r, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        var m = new AddPartitionsToTxnPartitionResult { PartitionIndex = r.ReadInt32(), PartitionErrorCode = r.ReadErrorCode() };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= AddPartitionsToTxnRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteErrorCode(PartitionErrorCode);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
