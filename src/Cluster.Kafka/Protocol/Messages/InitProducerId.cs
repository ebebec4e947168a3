using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// InitProducerId (22): a producer id and epoch for an idempotent (null TransactionalId) or
/// transactional producer. v3+ (librdkafka) may pass its current id and epoch to have the
/// epoch bumped instead of getting a new id (KIP-360).
/// </summary>
public sealed class InitProducerIdRequest : IKafkaRequest, IKafkaStruct<InitProducerIdRequest>
{
    public const short FirstFlexibleVersion = 2;
    public ApiKey ApiKey => ApiKey.InitProducerId;

    public string? TransactionalId { get; set; }
    public int TransactionTimeoutMs { get; set; }
    /// <summary>v3+; -1 when the producer has none yet.</summary>
    public long ProducerId { get; set; } = -1;
    public short ProducerEpoch { get; set; } = -1;

    public static InitProducerIdRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new InitProducerIdRequest { TransactionalId = r.ReadNullableString(flex), TransactionTimeoutMs = r.ReadInt32() };
        if (version >= 3)
        {
            m.ProducerId = r.ReadInt64();
            m.ProducerEpoch = r.ReadInt16();
        }
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteNullableString(TransactionalId, flex);
        w.WriteInt32(TransactionTimeoutMs);
        if (version >= 3)
        {
            w.WriteInt64(ProducerId);
            w.WriteInt16(ProducerEpoch);
        }
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class InitProducerIdResponse : IKafkaResponse, IKafkaStruct<InitProducerIdResponse>
{
    public ApiKey ApiKey => ApiKey.InitProducerId;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public long ProducerId { get; set; } = -1;
    public short ProducerEpoch { get; set; }

    public static InitProducerIdResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= InitProducerIdRequest.FirstFlexibleVersion;
        var m = new InitProducerIdResponse
        {
            ThrottleTimeMs = r.ReadInt32(),
            ErrorCode = r.ReadErrorCode(),
            ProducerId = r.ReadInt64(),
            ProducerEpoch = r.ReadInt16(),
        };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= InitProducerIdRequest.FirstFlexibleVersion;
        w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        w.WriteInt64(ProducerId);
        w.WriteInt16(ProducerEpoch);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
