using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>DeleteTopics (20), by name: v0–5 (v6 names topics by id).</summary>
public sealed class DeleteTopicsRequest : IKafkaRequest, IKafkaStruct<DeleteTopicsRequest>
{
    public const short FirstFlexibleVersion = 4;
    public ApiKey ApiKey => ApiKey.DeleteTopics;

    public List<string> TopicNames { get; set; } = [];
    public int TimeoutMs { get; set; }

    public static DeleteTopicsRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new DeleteTopicsRequest { TopicNames = r.ReadStringArray(flex), TimeoutMs = r.ReadInt32() };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteStringArray(TopicNames, flex);
        w.WriteInt32(TimeoutMs);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DeleteTopicsResponse : IKafkaResponse, IKafkaStruct<DeleteTopicsResponse>
{
    public ApiKey ApiKey => ApiKey.DeleteTopics;

    public int ThrottleTimeMs { get; set; }
    public List<DeletableTopicResult> Responses { get; set; } = [];

    public static DeleteTopicsResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DeleteTopicsRequest.FirstFlexibleVersion;
        var m = new DeleteTopicsResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        m.Responses = r.ReadArray<DeletableTopicResult>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DeleteTopicsRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Responses, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class DeletableTopicResult : IKafkaStruct<DeletableTopicResult>
{
    public string Name { get; set; } = "";
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v5+.</summary>
    public string? ErrorMessage { get; set; }

    public static DeletableTopicResult Read(ref KafkaReader r, short version)
    {
        bool flex = version >= DeleteTopicsRequest.FirstFlexibleVersion;
        var m = new DeletableTopicResult { Name = r.ReadString(flex), ErrorCode = r.ReadErrorCode() };
        if (version >= 5) m.ErrorMessage = r.ReadNullableString(flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= DeleteTopicsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteErrorCode(ErrorCode);
        if (version >= 5) w.WriteNullableString(ErrorMessage, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
