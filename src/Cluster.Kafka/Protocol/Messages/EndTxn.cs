using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// EndTxn (26): commit (<see cref="Committed"/> true) or abort the open transaction.
/// Supported v0–4: v5 belongs to KIP-890 part 2 (a new epoch on every transaction).
/// </summary>
public sealed class EndTxnRequest : IKafkaRequest, IKafkaStruct<EndTxnRequest>
{
    public const short FirstFlexibleVersion = 3;
    public ApiKey ApiKey => ApiKey.EndTxn;

    public string TransactionalId { get; set; } = "";
    public long ProducerId { get; set; }
    public short ProducerEpoch { get; set; }
    public bool Committed { get; set; }

    public static EndTxnRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new EndTxnRequest
        {
            TransactionalId = r.ReadString(flex),
            ProducerId = r.ReadInt64(),
            ProducerEpoch = r.ReadInt16(),
            Committed = r.ReadBool(),
        };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteString(TransactionalId, flex);
        w.WriteInt64(ProducerId);
        w.WriteInt16(ProducerEpoch);
        w.WriteBool(Committed);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class EndTxnResponse : IKafkaResponse, IKafkaStruct<EndTxnResponse>
{
    public ApiKey ApiKey => ApiKey.EndTxn;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static EndTxnResponse Read(ref KafkaReader r, short version)
    {
        var m = new EndTxnResponse { ThrottleTimeMs = r.ReadInt32(), ErrorCode = r.ReadErrorCode() };
        if (version >= EndTxnRequest.FirstFlexibleVersion) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        if (version >= EndTxnRequest.FirstFlexibleVersion) w.WriteEmptyTaggedFields();
    }
}
