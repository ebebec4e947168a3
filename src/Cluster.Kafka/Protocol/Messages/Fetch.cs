using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol.Messages;

/// <summary>
/// Fetch (1): supported v4–v12. v4 brings isolation level and aborted transactions
/// (read_committed); v7 fetch sessions (KIP-227: a broker that always answers SessionId 0
/// simply keeps every fetch a full one); v12 is the last that names topics rather than ids.
/// </summary>
public sealed class FetchRequest : IKafkaRequest, IKafkaStruct<FetchRequest>
{
    public const short FirstFlexibleVersion = 12;
    public ApiKey ApiKey => ApiKey.Fetch;

    /// <summary>v12+ tagged field 0.</summary>
    public string? ClusterId { get; set; }
    /// <summary>-1 for consumers; a broker id for follower fetches.</summary>
    public int ReplicaId { get; set; } = -1;
    public int MaxWaitMs { get; set; }
    public int MinBytes { get; set; }
    public int MaxBytes { get; set; } = int.MaxValue;
    /// <summary>0 = read_uncommitted, 1 = read_committed.</summary>
    public sbyte IsolationLevel { get; set; }
    public int SessionId { get; set; }
    public int SessionEpoch { get; set; } = -1;
    public List<FetchTopic> Topics { get; set; } = [];
    public List<ForgottenTopic> ForgottenTopicsData { get; set; } = [];
    public string RackId { get; set; } = "";

    public static FetchRequest Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        var m = new FetchRequest { ReplicaId = r.ReadInt32(), MaxWaitMs = r.ReadInt32(), MinBytes = r.ReadInt32() };
        if (version >= 3) m.MaxBytes = r.ReadInt32();
        if (version >= 4) m.IsolationLevel = r.ReadInt8();
        if (version >= 7)
        {
            m.SessionId = r.ReadInt32();
            m.SessionEpoch = r.ReadInt32();
        }
        m.Topics = r.ReadArray<FetchTopic>(version, flex);
        if (version >= 7) m.ForgottenTopicsData = r.ReadArray<ForgottenTopic>(version, flex);
        if (version >= 11) m.RackId = r.ReadString(flex);
        if (flex)
        {
            int n = r.ReadTaggedFieldCount();
            for (int i = 0; i < n; i++)
            {
                var field = r.ReadTaggedField(out uint tag);
                if (tag == 0) m.ClusterId = field.ReadCompactNullableString();
            }
        }
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FirstFlexibleVersion;
        w.WriteInt32(ReplicaId);
        w.WriteInt32(MaxWaitMs);
        w.WriteInt32(MinBytes);
        if (version >= 3) w.WriteInt32(MaxBytes);
        if (version >= 4) w.WriteInt8(IsolationLevel);
        if (version >= 7)
        {
            w.WriteInt32(SessionId);
            w.WriteInt32(SessionEpoch);
        }
        w.WriteArray(Topics, version, flex);
        if (version >= 7) w.WriteArray(ForgottenTopicsData, version, flex);
        if (version >= 11) w.WriteString(RackId, flex);
        if (flex)
        {
            w.WriteTaggedFieldCount(ClusterId is null ? 0 : 1);
            if (ClusterId is not null) w.WriteTaggedField(0, ClusterId, static (x, s) => x.WriteCompactNullableString(s));
        }
    }
}

public sealed class FetchTopic : IKafkaStruct<FetchTopic>
{
    public string Topic { get; set; } = "";
    public List<FetchPartition> Partitions { get; set; } = [];

    public static FetchTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        var m = new FetchTopic { Topic = r.ReadString(flex), Partitions = r.ReadArray<FetchPartition>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        w.WriteString(Topic, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class FetchPartition : IKafkaStruct<FetchPartition>
{
    public int Partition { get; set; }
    public int CurrentLeaderEpoch { get; set; } = -1;
    public long FetchOffset { get; set; }
    public int LastFetchedEpoch { get; set; } = -1;
    public long LogStartOffset { get; set; } = -1;
    public int PartitionMaxBytes { get; set; }

    public static FetchPartition Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        var m = new FetchPartition { Partition = r.ReadInt32() };
        if (version >= 9) m.CurrentLeaderEpoch = r.ReadInt32();
        m.FetchOffset = r.ReadInt64();
        if (version >= 12) m.LastFetchedEpoch = r.ReadInt32();
        if (version >= 5) m.LogStartOffset = r.ReadInt64();
        m.PartitionMaxBytes = r.ReadInt32();
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        w.WriteInt32(Partition);
        if (version >= 9) w.WriteInt32(CurrentLeaderEpoch);
        w.WriteInt64(FetchOffset);
        if (version >= 12) w.WriteInt32(LastFetchedEpoch);
        if (version >= 5) w.WriteInt64(LogStartOffset);
        w.WriteInt32(PartitionMaxBytes);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

/// <summary>v7+: partitions an incremental fetch session should stop fetching.</summary>
public sealed class ForgottenTopic : IKafkaStruct<ForgottenTopic>
{
    public string Topic { get; set; } = "";
    public List<int> Partitions { get; set; } = [];

    public static ForgottenTopic Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        var m = new ForgottenTopic { Topic = r.ReadString(flex), Partitions = r.ReadInt32Array(flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        w.WriteString(Topic, flex);
        w.WriteInt32Array(Partitions, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class FetchResponse : IKafkaResponse, IKafkaStruct<FetchResponse>
{
    public ApiKey ApiKey => ApiKey.Fetch;

    public int ThrottleTimeMs { get; set; }
    /// <summary>v7+: top-level error (fetch session errors).</summary>
    public ErrorCode ErrorCode { get; set; }
    /// <summary>v7+: 0 = no fetch session was created (every fetch stays a full one).</summary>
    public int SessionId { get; set; }
    public List<FetchableTopicResponse> Responses { get; set; } = [];

    public static FetchResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        var m = new FetchResponse();
        if (version >= 1) m.ThrottleTimeMs = r.ReadInt32();
        if (version >= 7)
        {
            m.ErrorCode = r.ReadErrorCode();
            m.SessionId = r.ReadInt32();
        }
        m.Responses = r.ReadArray<FetchableTopicResponse>(version, flex);
        // Tag 0 (NodeEndpoints) exists only from v16, beyond what we speak.
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        if (version >= 1) w.WriteInt32(ThrottleTimeMs);
        if (version >= 7)
        {
            w.WriteErrorCode(ErrorCode);
            w.WriteInt32(SessionId);
        }
        w.WriteArray(Responses, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

public sealed class FetchableTopicResponse : IKafkaStruct<FetchableTopicResponse>
{
    public string Topic { get; set; } = "";
    public List<PartitionData> Partitions { get; set; } = [];

    public static FetchableTopicResponse Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        var m = new FetchableTopicResponse { Topic = r.ReadString(flex), Partitions = r.ReadArray<PartitionData>(version, flex) };
        if (flex) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        w.WriteString(Topic, flex);
        w.WriteArray(Partitions, version, flex);
        if (flex) w.WriteEmptyTaggedFields();
    }
}

/// <summary>One partition of a fetch response.</summary>
public sealed class PartitionData : IKafkaStruct<PartitionData>
{
    public int PartitionIndex { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public long HighWatermark { get; set; } = -1;
    public long LastStableOffset { get; set; } = -1;
    public long LogStartOffset { get; set; } = -1;
    /// <summary>v12+ tagged 0: where a follower's log diverged (KIP-595/320).</summary>
    public EpochEndOffset? DivergingEpoch { get; set; }
    /// <summary>v12+ tagged 1: the current leader, for clients after NOT_LEADER_OR_FOLLOWER.</summary>
    public LeaderIdAndEpoch? CurrentLeader { get; set; }
    /// <summary>v12+ tagged 2: KRaft snapshot id (unused by us, carried for completeness).</summary>
    public SnapshotId? SnapshotId { get; set; }
    /// <summary>Null when not read_committed or none; otherwise the aborted transactions overlapping
    /// the returned records, so a read_committed consumer drops their records.</summary>
    public List<AbortedTransaction>? AbortedTransactions { get; set; }
    /// <summary>v11+ (KIP-392); -1 = read from the leader.</summary>
    public int PreferredReadReplica { get; set; } = -1;
    /// <summary>Record batches to return, copied into the response as they are.</summary>
    public ReadOnlyMemory<byte> Records { get; set; }

    public static PartitionData Read(ref KafkaReader r, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        var m = new PartitionData { PartitionIndex = r.ReadInt32(), ErrorCode = r.ReadErrorCode(), HighWatermark = r.ReadInt64() };
        if (version >= 4) m.LastStableOffset = r.ReadInt64();
        if (version >= 5) m.LogStartOffset = r.ReadInt64();
        if (version >= 4) m.AbortedTransactions = r.ReadNullableArray<AbortedTransaction>(version, flex);
        if (version >= 11) m.PreferredReadReplica = r.ReadInt32();
        m.Records = r.ReadRecords(flex);
        if (flex)
        {
            int n = r.ReadTaggedFieldCount();
            for (int i = 0; i < n; i++)
            {
                var field = r.ReadTaggedField(out uint tag);
                switch (tag)
                {
                    case 0: m.DivergingEpoch = EpochEndOffset.Read(ref field, version); break;
                    case 1: m.CurrentLeader = LeaderIdAndEpoch.Read(ref field, version); break;
                    case 2: m.SnapshotId = Messages.SnapshotId.Read(ref field, version); break;
                }
            }
        }
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        bool flex = version >= FetchRequest.FirstFlexibleVersion;
        w.WriteInt32(PartitionIndex);
        w.WriteErrorCode(ErrorCode);
        w.WriteInt64(HighWatermark);
        if (version >= 4) w.WriteInt64(LastStableOffset);
        if (version >= 5) w.WriteInt64(LogStartOffset);
        if (version >= 4) w.WriteNullableArray(AbortedTransactions, version, flex);
        if (version >= 11) w.WriteInt32(PreferredReadReplica);
        w.WriteRecords(Records, flex);
        if (flex)
        {
            w.WriteTaggedFieldCount((DivergingEpoch is null ? 0 : 1) + (CurrentLeader is null ? 0 : 1) + (SnapshotId is null ? 0 : 1));
            // Tagged fields go in ascending tag order.
            if (DivergingEpoch is not null) w.WriteTaggedField(0, (DivergingEpoch, version), static (x, s) => s.DivergingEpoch.Write(x, s.version));
            if (CurrentLeader is not null) w.WriteTaggedField(1, (CurrentLeader, version), static (x, s) => s.CurrentLeader.Write(x, s.version));
            if (SnapshotId is not null) w.WriteTaggedField(2, (SnapshotId, version), static (x, s) => s.SnapshotId.Write(x, s.version));
        }
    }
}

public sealed class AbortedTransaction : IKafkaStruct<AbortedTransaction>
{
    public long ProducerId { get; set; }
    /// <summary>Offset of the aborted transaction's first record.</summary>
    public long FirstOffset { get; set; }

    public static AbortedTransaction Read(ref KafkaReader r, short version)
    {
        var m = new AbortedTransaction { ProducerId = r.ReadInt64(), FirstOffset = r.ReadInt64() };
        if (version >= FetchRequest.FirstFlexibleVersion) r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt64(ProducerId);
        w.WriteInt64(FirstOffset);
        if (version >= FetchRequest.FirstFlexibleVersion) w.WriteEmptyTaggedFields();
    }
}

public sealed class EpochEndOffset : IKafkaStruct<EpochEndOffset>
{
    public int Epoch { get; set; } = -1;
    public long EndOffset { get; set; } = -1;

    public static EpochEndOffset Read(ref KafkaReader r, short version)
    {
        var m = new EpochEndOffset { Epoch = r.ReadInt32(), EndOffset = r.ReadInt64() };
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt32(Epoch);
        w.WriteInt64(EndOffset);
        w.WriteEmptyTaggedFields();
    }
}

public sealed class SnapshotId : IKafkaStruct<SnapshotId>
{
    public long EndOffset { get; set; } = -1;
    public int Epoch { get; set; } = -1;

    public static SnapshotId Read(ref KafkaReader r, short version)
    {
        var m = new SnapshotId { EndOffset = r.ReadInt64(), Epoch = r.ReadInt32() };
        r.SkipTaggedFields();
        return m;
    }

    public void Write(KafkaWriter w, short version)
    {
        w.WriteInt64(EndOffset);
        w.WriteInt32(Epoch);
        w.WriteEmptyTaggedFields();
    }
}
