using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// DescribeConfigs (32): configs of topics (ResourceType 2) or brokers (4). librdkafka sends up
/// to v1, kafkajs up to v2.
/// </summary>
public sealed class DescribeConfigsRequest : IKafkaRequest, IKafkaStruct<DescribeConfigsRequest>
{
    public const short FirstFlexibleVersion = 4;
    public const sbyte TopicResourceType = 2, BrokerResourceType = 4;
    public ApiKey ApiKey => ApiKey.DescribeConfigs;

    public List<DescribeConfigsResource> Resources { get; set; } = [];
    /// <summary>v1+.</summary>
    public bool IncludeSynonyms { get; set; }
    /// <summary>v3+.</summary>
    public bool IncludeDocumentation { get; set; }

    public static DescribeConfigsRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new DescribeConfigsRequest { Resources = r.ReadArray<DescribeConfigsResource>(version, flex) };
        if (version >= 1) m.IncludeSynonyms = r.ReadBool();
        if (version >= 3) m.IncludeDocumentation = r.ReadBool();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteArray(Resources, version, flex);
        if (version >= 1) w.WriteBool(IncludeSynonyms);
        if (version >= 3) w.WriteBool(IncludeDocumentation);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DescribeConfigsResource : IKafkaStruct<DescribeConfigsResource>
{
    public sbyte ResourceType { get; set; }
    public string ResourceName { get; set; } = "";
    /// <summary>Null = every config.</summary>
    public List<string>? ConfigurationKeys { get; set; }

    public static DescribeConfigsResource Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        var m = new DescribeConfigsResource
        {
            ResourceType = r.ReadInt8(),
            ResourceName = r.ReadString(flex),
            ConfigurationKeys = r.ReadNullableStringArray(flex),
        };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        w.WriteInt8(ResourceType);
        w.WriteString(ResourceName, flex);
        w.WriteNullableStringArray(ConfigurationKeys, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DescribeConfigsResponse : IKafkaResponse, IKafkaStruct<DescribeConfigsResponse>
{
    public ApiKey ApiKey => ApiKey.DescribeConfigs;

    public int ThrottleTimeMs { get; set; }
    public List<DescribeConfigsResult> Results { get; set; } = [];

    public static DescribeConfigsResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        var m = new DescribeConfigsResponse { ThrottleTimeMs = r.ReadInt32(), Results = r.ReadArray<DescribeConfigsResult>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Results, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DescribeConfigsResult : IKafkaStruct<DescribeConfigsResult>
{
    public ErrorCode ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public sbyte ResourceType { get; set; }
    public string ResourceName { get; set; } = "";
    public List<DescribeConfigsResourceResult> Configs { get; set; } = [];

    public static DescribeConfigsResult Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        var m = new DescribeConfigsResult
        {
            ErrorCode = r.ReadErrorCode(),
            ErrorMessage = r.ReadNullableString(flex),
            ResourceType = r.ReadInt8(),
            ResourceName = r.ReadString(flex),
            Configs = r.ReadArray<DescribeConfigsResourceResult>(version, flex),
        };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        w.WriteErrorCode(ErrorCode);
        w.WriteNullableString(ErrorMessage, flex);
        w.WriteInt8(ResourceType);
        w.WriteString(ResourceName, flex);
        w.WriteArray(Configs, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

/// <summary>One config entry. ConfigSource (v1+) values: 1 = topic, 4 = static broker,
/// 5 = default; v0 has IsDefault instead.</summary>
public sealed class DescribeConfigsResourceResult : IKafkaStruct<DescribeConfigsResourceResult>
{
    public const sbyte TopicConfigSource = 1, StaticBrokerConfigSource = 4, DefaultConfigSource = 5;

    public string Name { get; set; } = "";
    public string? Value { get; set; }
    public bool ReadOnly { get; set; }
    /// <summary>v0 only.</summary>
    public bool IsDefault { get; set; }
    /// <summary>v1+.</summary>
    public sbyte ConfigSource { get; set; } = -1;
    public bool IsSensitive { get; set; }
    /// <summary>v1+.</summary>
    public List<DescribeConfigsSynonym> Synonyms { get; set; } = [];
    /// <summary>v3+: 1 boolean, 2 string, 3 int, 4 short, 5 long, 6 double, 7 list, 8 class, 9 password.</summary>
    public sbyte ConfigType { get; set; }
    /// <summary>v3+.</summary>
    public string? Documentation { get; set; }

    public static DescribeConfigsResourceResult Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        var m = new DescribeConfigsResourceResult { Name = r.ReadString(flex), Value = r.ReadNullableString(flex), ReadOnly = r.ReadBool() };
        if (version == 0) m.IsDefault = r.ReadBool();
        if (version >= 1) m.ConfigSource = r.ReadInt8();
        m.IsSensitive = r.ReadBool();
        if (version >= 1) m.Synonyms = r.ReadArray<DescribeConfigsSynonym>(version, flex);
        if (version >= 3)
        {
            m.ConfigType = r.ReadInt8();
            m.Documentation = r.ReadNullableString(flex);
        }
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteNullableString(Value, flex);
        w.WriteBool(ReadOnly);
        if (version == 0) w.WriteBool(IsDefault);
        if (version >= 1) w.WriteInt8(ConfigSource);
        w.WriteBool(IsSensitive);
        if (version >= 1) w.WriteArray(Synonyms, version, flex);
        if (version >= 3)
        {
            w.WriteInt8(ConfigType);
            w.WriteNullableString(Documentation, flex);
        }
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DescribeConfigsSynonym : IKafkaStruct<DescribeConfigsSynonym>
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }
    public sbyte Source { get; set; }

    public static DescribeConfigsSynonym Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        var m = new DescribeConfigsSynonym { Name = r.ReadString(flex), Value = r.ReadNullableString(flex), Source = r.ReadInt8() };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DescribeConfigsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteNullableString(Value, flex);
        w.WriteInt8(Source);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
