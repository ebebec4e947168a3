using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>AddOffsetsToTxn (25): a transaction will commit offsets of this group (consume–transform–produce).</summary>
public sealed class AddOffsetsToTxnRequest : IKafkaRequest, IKafkaStruct<AddOffsetsToTxnRequest>
{
    public const short FirstFlexibleVersion = 3;
    public ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    public string TransactionalId { get; set; } = "";
    public long ProducerId { get; set; }
    public short ProducerEpoch { get; set; }
    public string GroupId { get; set; } = "";

    public static AddOffsetsToTxnRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new AddOffsetsToTxnRequest
        {
            TransactionalId = r.ReadString(flex),
            ProducerId = r.ReadInt64(),
            ProducerEpoch = r.ReadInt16(),
            GroupId = r.ReadString(flex),
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
        w.WriteString(GroupId, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class AddOffsetsToTxnResponse : IKafkaResponse, IKafkaStruct<AddOffsetsToTxnResponse>
{
    public ApiKey ApiKey => ApiKey.AddOffsetsToTxn;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }

    public static AddOffsetsToTxnResponse Read(ref KafkaReader r, short version)
    {
        var m = new AddOffsetsToTxnResponse { ThrottleTimeMs = r.ReadInt32(), ErrorCode = r.ReadErrorCode() };
        if (version >= AddOffsetsToTxnRequest.FirstFlexibleVersion) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt32(ThrottleTimeMs);
        w.WriteErrorCode(ErrorCode);
        if (version >= AddOffsetsToTxnRequest.FirstFlexibleVersion) w.WriteEmptyTaggedFields();
    }
}
