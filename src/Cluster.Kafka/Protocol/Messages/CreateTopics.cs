using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// CreateTopics (19). From v4, NumPartitions and ReplicationFactor may be -1 (use the broker
/// default, KIP-464); from v5 the response echoes the topic's configs (KIP-525); v7 returns
/// the new topic's id.
/// </summary>
public sealed class CreateTopicsRequest : IKafkaRequest, IKafkaStruct<CreateTopicsRequest>
{
    public const short FirstFlexibleVersion = 5;
    public ApiKey ApiKey => ApiKey.CreateTopics;

    public List<CreatableTopic> Topics { get; set; } = [];
    public int TimeoutMs { get; set; } = 60000;
    /// <summary>v1+: check only, create nothing.</summary>
    public bool ValidateOnly { get; set; }

    public static CreateTopicsRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new CreateTopicsRequest { Topics = r.ReadArray<CreatableTopic>(version, flex), TimeoutMs = r.ReadInt32() };
        if (version >= 1) m.ValidateOnly = r.ReadBool();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteArray(Topics, version, flex);
        w.WriteInt32(TimeoutMs);
        if (version >= 1) w.WriteBool(ValidateOnly);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class CreatableTopic : IKafkaStruct<CreatableTopic>
{
    public string Name { get; set; } = "";
    /// <summary>-1 = broker default (v4+), or when <see cref="Assignments"/> are given.</summary>
    public int NumPartitions { get; set; } = -1;
    public short ReplicationFactor { get; set; } = -1;
    public List<CreatableReplicaAssignment> Assignments { get; set; } = [];
    public List<CreatableTopicConfig> Configs { get; set; } = [];

    public static CreatableTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        var m = new CreatableTopic
        {
            Name = r.ReadString(flex),
            NumPartitions = r.ReadInt32(),
            ReplicationFactor = r.ReadInt16(),
            Assignments = r.ReadArray<CreatableReplicaAssignment>(version, flex),
            Configs = r.ReadArray<CreatableTopicConfig>(version, flex),
        };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteInt32(NumPartitions);
        w.WriteInt16(ReplicationFactor);
        w.WriteArray(Assignments, version, flex);
        w.WriteArray(Configs, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class CreatableReplicaAssignment : IKafkaStruct<CreatableReplicaAssignment>
{
    public int PartitionIndex { get; set; }
    public List<int> BrokerIds { get; set; } = [];

    public static CreatableReplicaAssignment Read(ref KafkaReader r, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        var m = new CreatableReplicaAssignment { PartitionIndex = r.ReadInt32(), BrokerIds = r.ReadInt32Array(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteInt32Array(BrokerIds, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class CreatableTopicConfig : IKafkaStruct<CreatableTopicConfig>
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }

    public static CreatableTopicConfig Read(ref KafkaReader r, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        var m = new CreatableTopicConfig { Name = r.ReadString(flex), Value = r.ReadNullableString(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteNullableString(Value, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class CreateTopicsResponse : IKafkaResponse, IKafkaStruct<CreateTopicsResponse>
{
    public ApiKey ApiKey => ApiKey.CreateTopics;

    public int ThrottleTimeMs { get; set; }
    public List<CreatableTopicResult> Topics { get; set; } = [];

    public static CreateTopicsResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        var m = new CreateTopicsResponse();
        if (version >= 2) m.ThrottleTimeMs = r.ReadInt32();
        m.Topics = r.ReadArray<CreatableTopicResult>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        if (version >= 2) w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Topics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class CreatableTopicResult : IKafkaStruct<CreatableTopicResult>
{
    public string Name { get; set; } = "";
    /// <summary>v7+.</summary>
    public Guid TopicId { get; set; }
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v1+.</summary>
    public string? ErrorMessage { get; set; }
    /// <summary>v5+ tagged 0: why the configs could not be described (0 = none).</summary>
    public ErrorCode TopicConfigErrorCode { get; set; }
    /// <summary>v5+.</summary>
    public int NumPartitions { get; set; } = -1;
    public short ReplicationFactor { get; set; } = -1;
    public List<CreatableTopicConfigs>? Configs { get; set; }

    public static CreatableTopicResult Read(ref KafkaReader r, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        var m = new CreatableTopicResult { Name = r.ReadString(flex) };
        if (version >= 7) m.TopicId = r.ReadUuid();
        m.ErrorCode = r.ReadErrorCode();
        if (version >= 1) m.ErrorMessage = r.ReadNullableString(flex);
        if (version >= 5)
        {
            m.NumPartitions = r.ReadInt32();
            m.ReplicationFactor = r.ReadInt16();
            m.Configs = r.ReadNullableArray<CreatableTopicConfigs>(version, flex);
        }
        if (flex)
        {
            int n = r.ReadTaggedFieldCount();
            for (int i = 0; i < n; i++)
            {
                var field = r.ReadTaggedField(out uint tag);
                if (tag == 0) m.TopicConfigErrorCode = field.ReadErrorCode();
            }
        }
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= CreateTopicsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        if (version >= 7) w.WriteUuid(TopicId);
        w.WriteErrorCode(ErrorCode);
        if (version >= 1) w.WriteNullableString(ErrorMessage, flex);
        if (version >= 5)
        {
            w.WriteInt32(NumPartitions);
            w.WriteInt16(ReplicationFactor);
            w.WriteNullableArray(Configs, version, flex);
        }
        if (flex)
        {
            bool configError = TopicConfigErrorCode != ErrorCode.None;
            w.WriteTaggedFieldCount(configError ? 1 : 0);
            if (configError) w.WriteTaggedField(0, TopicConfigErrorCode, static (x, e) => x.WriteErrorCode(e));
        }
    }
}

/// <summary>v5+: one config of a created topic (always flexible).</summary>
public sealed class CreatableTopicConfigs : IKafkaStruct<CreatableTopicConfigs>
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }
    public bool ReadOnly { get; set; }
    /// <summary>Same values as DescribeConfigs' ConfigSource (1 = topic, 5 = default...).</summary>
    public sbyte ConfigSource { get; set; } = -1;
    public bool IsSensitive { get; set; }

    public static CreatableTopicConfigs Read(ref KafkaReader r, short version)
    {
        var m = new CreatableTopicConfigs
        {
            Name = r.ReadCompactString(),
            Value = r.ReadCompactNullableString(),
            ReadOnly = r.ReadBool(),
            ConfigSource = r.ReadInt8(),
            IsSensitive = r.ReadBool(),
        };
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteCompactString(Name);
        w.WriteCompactNullableString(Value);
        w.WriteBool(ReadOnly);
        w.WriteInt8(ConfigSource);
        w.WriteBool(IsSensitive);
        w.WriteEmptyTaggedFields();
    }
}
