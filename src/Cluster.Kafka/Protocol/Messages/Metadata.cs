using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>Metadata (3): brokers, topics, partitions and their leaders.</summary>
public sealed class MetadataRequest : IKafkaRequest, IKafkaStruct<MetadataRequest>
{
    public const short FirstFlexibleVersion = 9;
    public ApiKey ApiKey => ApiKey.Metadata;

    /// <summary>
    /// The topics wanted; null = all topics, empty = none (v1+ meaning). At v0 the wire has no
    /// null and an empty array meant "all": the reader turns that into null and the writer
    /// back, so callers only ever see the v1+ meaning.
    /// </summary>
    public List<MetadataRequestTopic>? Topics { get; set; }

    /// <summary>v4+. We never create topics implicitly (see the contract), whatever this says.</summary>
    public bool AllowAutoTopicCreation { get; set; } = true;
    public bool IncludeClusterAuthorizedOperations { get; set; }
    public bool IncludeTopicAuthorizedOperations { get; set; }

    public static MetadataRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new MetadataRequest { Topics = r.ReadNullableArray<MetadataRequestTopic>(version, flex) };
        if (version == 0 && m.Topics is null) throw new KafkaProtocolException("Null topics at Metadata v0");
        if (version == 0 && m.Topics!.Count == 0) m.Topics = null;
        if (version >= 4) m.AllowAutoTopicCreation = r.ReadBool();
        if (version >= 8 && version <= 10) m.IncludeClusterAuthorizedOperations = r.ReadBool();
        if (version >= 8) m.IncludeTopicAuthorizedOperations = r.ReadBool();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        if (version == 0) w.WriteArray(Topics ?? [], version, flex);
        else w.WriteNullableArray(Topics, version, flex);
        if (version >= 4) w.WriteBool(AllowAutoTopicCreation);
        if (version >= 8 && version <= 10) w.WriteBool(IncludeClusterAuthorizedOperations);
        if (version >= 8) w.WriteBool(IncludeTopicAuthorizedOperations);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class MetadataRequestTopic : IKafkaStruct<MetadataRequestTopic>
{
    /// <summary>v10+; clients send zero (v12 may ask by id with a null name: answer UNKNOWN_TOPIC_ID).</summary>
    public Guid TopicId { get; set; }
    /// <summary>Null only at v10+ when asking by <see cref="TopicId"/>.</summary>
    public string? Name { get; set; }

    public static MetadataRequestTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        var m = new MetadataRequestTopic();
        if (version >= 10) m.TopicId = r.ReadUuid();
        m.Name = version >= 10 ? r.ReadNullableString(flex) : r.ReadString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        if (version >= 10) w.WriteUuid(TopicId);
        if (version >= 10) w.WriteNullableString(Name, flex); else w.WriteString(Name, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class MetadataResponse : IKafkaResponse, IKafkaStruct<MetadataResponse>
{
    public ApiKey ApiKey => ApiKey.Metadata;

    public int ThrottleTimeMs { get; set; }
    /// <summary>Every broker clients may connect to, with its Kafka listener's host and port.</summary>
    public List<MetadataResponseBroker> Brokers { get; set; } = [];
    public string? ClusterId { get; set; }
    public int ControllerId { get; set; } = -1;
    public List<MetadataResponseTopic> Topics { get; set; } = [];
    /// <summary>v8–10 only; int.MinValue = not requested.</summary>
    public int ClusterAuthorizedOperations { get; set; } = int.MinValue;

    public static MetadataResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        var m = new MetadataResponse();
        if (version >= 3) m.ThrottleTimeMs = r.ReadInt32();
        m.Brokers = r.ReadArray<MetadataResponseBroker>(version, flex);
        if (version >= 2) m.ClusterId = r.ReadNullableString(flex);
        if (version >= 1) m.ControllerId = r.ReadInt32();
        m.Topics = r.ReadArray<MetadataResponseTopic>(version, flex);
        if (version >= 8 && version <= 10) m.ClusterAuthorizedOperations = r.ReadInt32();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        if (version >= 3) w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Brokers, version, flex);
        if (version >= 2) w.WriteNullableString(ClusterId, flex);
        if (version >= 1) w.WriteInt32(ControllerId);
        w.WriteArray(Topics, version, flex);
        if (version >= 8 && version <= 10) w.WriteInt32(ClusterAuthorizedOperations);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class MetadataResponseBroker : IKafkaStruct<MetadataResponseBroker>
{
    public int NodeId { get; set; }
    public string Host { get; set; } = "";
    public int Port { get; set; }
    public string? Rack { get; set; }

    public static MetadataResponseBroker Read(ref KafkaReader r, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        var m = new MetadataResponseBroker { NodeId = r.ReadInt32(), Host = r.ReadString(flex), Port = r.ReadInt32() };
        if (version >= 1) m.Rack = r.ReadNullableString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        w.WriteInt32(NodeId);
        w.WriteString(Host, flex);
        w.WriteInt32(Port);
        if (version >= 1) w.WriteNullableString(Rack, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class MetadataResponseTopic : IKafkaStruct<MetadataResponseTopic>
{
    public ErrorCode ErrorCode { get; set; }
    /// <summary>Null only at v12+ for a topic asked by an unknown id.</summary>
    public string? Name { get; set; }
    /// <summary>v10+; zero when unknown.</summary>
    public Guid TopicId { get; set; }
    public bool IsInternal { get; set; }
    public List<MetadataResponsePartition> Partitions { get; set; } = [];
    public int TopicAuthorizedOperations { get; set; } = int.MinValue;

    public static MetadataResponseTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        var m = new MetadataResponseTopic { ErrorCode = r.ReadErrorCode() };
        m.Name = version >= 12 ? r.ReadNullableString(flex) : r.ReadString(flex);
        if (version >= 10) m.TopicId = r.ReadUuid();
        if (version >= 1) m.IsInternal = r.ReadBool();
        m.Partitions = r.ReadArray<MetadataResponsePartition>(version, flex);
        if (version >= 8) m.TopicAuthorizedOperations = r.ReadInt32();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        w.WriteErrorCode(ErrorCode);
        if (version >= 12) w.WriteNullableString(Name, flex); else w.WriteString(Name, flex);
        if (version >= 10) w.WriteUuid(TopicId);
        if (version >= 1) w.WriteBool(IsInternal);
        w.WriteArray(Partitions, version, flex);
        if (version >= 8) w.WriteInt32(TopicAuthorizedOperations);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class MetadataResponsePartition : IKafkaStruct<MetadataResponsePartition>
{
    public ErrorCode ErrorCode { get; set; }
    public int PartitionIndex { get; set; }
    /// <summary>-1 while no leader is available (with LEADER_NOT_AVAILABLE).</summary>
    public int LeaderId { get; set; } = -1;
    public int LeaderEpoch { get; set; } = -1;
    public List<int> ReplicaNodes { get; set; } = [];
    public List<int> IsrNodes { get; set; } = [];
    public List<int> OfflineReplicas { get; set; } = [];

    public static MetadataResponsePartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        var m = new MetadataResponsePartition
        {
            ErrorCode = r.ReadErrorCode(),
            PartitionIndex = r.ReadInt32(),
            LeaderId = r.ReadInt32(),
        };
        if (version >= 7) m.LeaderEpoch = r.ReadInt32();
        m.ReplicaNodes = r.ReadInt32Array(flex);
        m.IsrNodes = r.ReadInt32Array(flex);
        if (version >= 5) m.OfflineReplicas = r.ReadInt32Array(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= MetadataRequest.FirstFlexibleVersion;
        w.WriteErrorCode(ErrorCode);
        w.WriteInt32(PartitionIndex);
        w.WriteInt32(LeaderId);
        if (version >= 7) w.WriteInt32(LeaderEpoch);
        w.WriteInt32Array(ReplicaNodes, flex);
        w.WriteInt32Array(IsrNodes, flex);
        if (version >= 5) w.WriteInt32Array(OfflineReplicas, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
