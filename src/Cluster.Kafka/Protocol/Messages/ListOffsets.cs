using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// ListOffsets (2): offset by timestamp. Timestamp -2 = earliest (log start offset), -1 = latest
/// (high watermark, or last stable offset when read_committed), -3 (v7+) = the record with the
/// largest timestamp. Supported v1–v7: v0 answered with an array of offsets.
/// </summary>
public sealed class ListOffsetsRequest : IKafkaRequest, IKafkaStruct<ListOffsetsRequest>
{
    public const short FirstFlexibleVersion = 6;
    public const long LatestTimestamp = -1, EarliestTimestamp = -2, MaxTimestamp = -3;
    public ApiKey ApiKey => ApiKey.ListOffsets;

    public int ReplicaId { get; set; } = -1;
    /// <summary>v2+: 0 = read_uncommitted, 1 = read_committed.</summary>
    public sbyte IsolationLevel { get; set; }
    public List<ListOffsetsTopic> Topics { get; set; } = [];

    public static ListOffsetsRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new ListOffsetsRequest { ReplicaId = r.ReadInt32() };
        if (version >= 2) m.IsolationLevel = r.ReadInt8();
        m.Topics = r.ReadArray<ListOffsetsTopic>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteInt32(ReplicaId);
        if (version >= 2) w.WriteInt8(IsolationLevel);
        w.WriteArray(Topics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ListOffsetsTopic : IKafkaStruct<ListOffsetsTopic>
{
    public string Name { get; set; } = "";
    public List<ListOffsetsPartition> Partitions { get; set; } = [];

    public static ListOffsetsTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        var m = new ListOffsetsTopic { Name = r.ReadString(flex), Partitions = r.ReadArray<ListOffsetsPartition>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ListOffsetsPartition : IKafkaStruct<ListOffsetsPartition>
{
    public int PartitionIndex { get; set; }
    public int CurrentLeaderEpoch { get; set; } = -1;
    public long Timestamp { get; set; }

    public static ListOffsetsPartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        var m = new ListOffsetsPartition { PartitionIndex = r.ReadInt32() };
        if (version >= 4) m.CurrentLeaderEpoch = r.ReadInt32();
        m.Timestamp = r.ReadInt64();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        if (version >= 4) w.WriteInt32(CurrentLeaderEpoch);
        w.WriteInt64(Timestamp);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ListOffsetsResponse : IKafkaResponse, IKafkaStruct<ListOffsetsResponse>
{
    public ApiKey ApiKey => ApiKey.ListOffsets;

    public int ThrottleTimeMs { get; set; }
    public List<ListOffsetsTopicResponse> Topics { get; set; } = [];

    public static ListOffsetsResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        var m = new ListOffsetsResponse();
        if (version >= 2) m.ThrottleTimeMs = r.ReadInt32();
        m.Topics = r.ReadArray<ListOffsetsTopicResponse>(version, flex);
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        if (version >= 2) w.WriteInt32(ThrottleTimeMs);
        w.WriteArray(Topics, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ListOffsetsTopicResponse : IKafkaStruct<ListOffsetsTopicResponse>
{
    public string Name { get; set; } = "";
    public List<ListOffsetsPartitionResponse> Partitions { get; set; } = [];

    public static ListOffsetsTopicResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        var m = new ListOffsetsTopicResponse { Name = r.ReadString(flex), Partitions = r.ReadArray<ListOffsetsPartitionResponse>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        w.WriteString(Name, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class ListOffsetsPartitionResponse : IKafkaStruct<ListOffsetsPartitionResponse>
{
    public int PartitionIndex { get; set; }
    public ErrorCode ErrorCode { get; set; }
    /// <summary>Timestamp of the record found, -1 for earliest/latest.</summary>
    public long Timestamp { get; set; } = -1;
    /// <summary>-1 when no record has a timestamp at or after the one asked.</summary>
    public long Offset { get; set; } = -1;
    public int LeaderEpoch { get; set; } = -1;

    public static ListOffsetsPartitionResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        var m = new ListOffsetsPartitionResponse
        {
            PartitionIndex = r.ReadInt32(),
            ErrorCode = r.ReadErrorCode(),
            Timestamp = r.ReadInt64(),
            Offset = r.ReadInt64(),
        };
        if (version >= 4) m.LeaderEpoch = r.ReadInt32();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= ListOffsetsRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteErrorCode(ErrorCode);
        w.WriteInt64(Timestamp);
        w.WriteInt64(Offset);
        if (version >= 4) w.WriteInt32(LeaderEpoch);
        if (flex) w.WriteEmptyTaggedFields();
    }
}
