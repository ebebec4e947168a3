using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>Produce (0): record batches for partitions. Supported from v3 (record batch v2).</summary>
public sealed class ProduceRequest : IKafkaRequest, IKafkaStruct<ProduceRequest>
{
    public const short FirstFlexibleVersion = 9;
    public ApiKey ApiKey => ApiKey.Produce;

    public string? TransactionalId { get; set; }
    /// <summary>0, 1 or -1 (all).</summary>
    public short Acks { get; set; }
    public int TimeoutMs { get; set; }
    public List<TopicProduceData> TopicData { get; set; } = [];

    public static ProduceRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new ProduceRequest();
        if (version >= 3) m.TransactionalId = r.ReadNullableString(flex);
        m.Acks = r.ReadInt16();
        m.TimeoutMs = r.ReadInt32();
        m.TopicData = r.ReadArray<TopicProduceData>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        if (version >= 3) w.WriteNullableString(TransactionalId, flex);
        w.WriteInt16(Acks);
        w.WriteInt32(TimeoutMs);
        w.WriteArray(TopicData, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class TopicProduceData : IKafkaStruct<TopicProduceData>
{
    public string Name { get; set; } = "";
    public List<PartitionProduceData> PartitionData { get; set; } = [];

    public static TopicProduceData Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        var m = new TopicProduceData { Name = r.ReadString(flex), PartitionData = r.ReadArray<PartitionProduceData>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(PartitionData, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class PartitionProduceData : IKafkaStruct<PartitionProduceData>
{
    public int Index { get; set; }
    /// <summary>Record batches as sent; a slice of the request frame (no copy). Empty if null.</summary>
    public ReadOnlyMemory<byte> Records { get; set; }

    public static PartitionProduceData Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        var m = new PartitionProduceData { Index = r.ReadInt32(), Records = r.ReadRecords(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        w.WriteInt32(Index);
        w.WriteRecords(Records, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ProduceResponse : IKafkaResponse, IKafkaStruct<ProduceResponse>
{
    public ApiKey ApiKey => ApiKey.Produce;

    public List<TopicProduceResponse> Responses { get; set; } = [];
    public int ThrottleTimeMs { get; set; }
    /// <summary>v10+ tagged (KIP-951): endpoints of the leaders named in CurrentLeader.</summary>
    public List<NodeEndpoint>? NodeEndpoints { get; set; }

    public static ProduceResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        var m = new ProduceResponse { Responses = r.ReadArray<TopicProduceResponse>(version, flex) };
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        if (flex)
        {
            int n = r.ReadTaggedFieldCount();
            for (int i = 0; i < n; i++)
            {
                var field = r.ReadTaggedField(out uint tag);
                if (tag == 0 && version >= 10) m.NodeEndpoints = field.ReadArray<NodeEndpoint>(version, true);
            }
        }
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        w.WriteArray(Responses, version, flex);
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        if (flex)
        {
            bool endpoints = version >= 10 && NodeEndpoints is { Count: > 0 };
            w.WriteTaggedFieldCount(endpoints ? 1 : 0);
            if (endpoints) w.WriteTaggedField(0, (NodeEndpoints!, version), static (x, s) => x.WriteArray(s.Item1, s.version, true));
        }
    }
}

public sealed class TopicProduceResponse : IKafkaStruct<TopicProduceResponse>
{
    public string Name { get; set; } = "";
    public List<PartitionProduceResponse> PartitionResponses { get; set; } = [];

    public static TopicProduceResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        var m = new TopicProduceResponse { Name = r.ReadString(flex), PartitionResponses = r.ReadArray<PartitionProduceResponse>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(PartitionResponses, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class PartitionProduceResponse : IKafkaStruct<PartitionProduceResponse>
{
    public int Index { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public long BaseOffset { get; set; } = -1;
    /// <summary>-1 unless the topic uses LogAppendTime.</summary>
    public long LogAppendTimeMs { get; set; } = -1;
    public long LogStartOffset { get; set; } = -1;
    public List<BatchIndexAndErrorMessage> RecordErrors { get; set; } = [];
    public string? ErrorMessage { get; set; }
    /// <summary>v10+ tagged: the leader to retry with after NOT_LEADER_OR_FOLLOWER.</summary>
    public LeaderIdAndEpoch? CurrentLeader { get; set; }

    public static PartitionProduceResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        var m = new PartitionProduceResponse { Index = r.ReadInt32(), ErrorCode = r.ReadErrorCode(), BaseOffset = r.ReadInt64() };
        if (version >= 2) m.LogAppendTimeMs = r.ReadInt64();
        if (version >= 5) m.LogStartOffset = r.ReadInt64();
        if (version >= 8)
        {
            m.RecordErrors = r.ReadArray<BatchIndexAndErrorMessage>(version, flex);
            m.ErrorMessage = r.ReadNullableString(flex);
        }
        if (flex)
        {
            int n = r.ReadTaggedFieldCount();
            for (int i = 0; i < n; i++)
            {
                var field = r.ReadTaggedField(out uint tag);
                if (tag == 0 && version >= 10) m.CurrentLeader = LeaderIdAndEpoch.Read(ref field, version);
            }
        }
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        w.WriteInt32(Index);
        w.WriteErrorCode(ErrorCode);
        w.WriteInt64(BaseOffset);
        if (version >= 2) w.WriteInt64(LogAppendTimeMs);
        if (version >= 5) w.WriteInt64(LogStartOffset);
        if (version >= 8)
        {
            w.WriteArray(RecordErrors, version, flex);
            w.WriteNullableString(ErrorMessage, flex);
        }
        if (flex)
        {
            bool leader = version >= 10 && CurrentLeader is not null;
            w.WriteTaggedFieldCount(leader ? 1 : 0);
            if (leader) w.WriteTaggedField(0, (CurrentLeader!, version), static (x, s) => s.Item1.Write(x, s.version));
        }
    }
}

/// <summary>v8+ (KIP-467): which record of a batch made it fail.</summary>
public sealed class BatchIndexAndErrorMessage : IKafkaStruct<BatchIndexAndErrorMessage>
{
    public int BatchIndex { get; set; }
    public string? BatchIndexErrorMessage { get; set; }

    public static BatchIndexAndErrorMessage Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        var m = new BatchIndexAndErrorMessage { BatchIndex = r.ReadInt32(), BatchIndexErrorMessage = r.ReadNullableString(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ProduceRequest.FirstFlexibleVersion;
        w.WriteInt32(BatchIndex);
        w.WriteNullableString(BatchIndexErrorMessage, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
