namespace Cluster.Cli.Model;

// The contract's JSON shapes (section 2), as the CLI reads them and, for --output json, writes them back.

public sealed record BrokerInfo(int Id, string Host, int Port, int HttpPort, string Status);

public sealed record ClusterInfo(string ClusterId, int Controller, IReadOnlyList<BrokerInfo> Brokers);

public sealed record TopicList(IReadOnlyList<string> Topics);

public sealed record PartitionInfo(
    int Partition,
    int Leader,
    int LeaderEpoch,
    IReadOnlyList<int> Replicas,
    IReadOnlyList<int> Isr,
    long LogStartOffset,
    long HighWatermark,
    long LastStableOffset,
    long LogEndOffset)
{
    /// <summary>Kafka's "offline": no leader (-1).</summary>
    public bool IsOffline => Leader < 0;

    /// <summary>Kafka's "under-replicated": fewer replicas in the ISR than assigned.</summary>
    public bool IsUnderReplicated => Isr.Count < Replicas.Count;
}

public sealed record TopicInfo(string Name, IReadOnlyDictionary<string, string> Configs, IReadOnlyList<PartitionInfo> Partitions)
{
    public int ReplicationFactor => Partitions.Count == 0 ? 0 : Partitions.Max(p => p.Replicas.Count);
}

public sealed record TopicConfigs(IReadOnlyDictionary<string, string> Configs);

public sealed record CreateTopicRequest(string Name, int Partitions, int ReplicationFactor, IReadOnlyDictionary<string, string> Configs);

/// <summary>One record of a produce request; <c>Partition</c> null lets the server's partitioner choose.</summary>
public sealed record ProduceRecord(string? Key, string? Value, int? Partition = null);

public sealed record ProduceRequest(string Acks, IReadOnlyList<ProduceRecord> Records, string Encoding = "utf8");

public sealed record ProducedOffset(int Partition, long Offset);

public sealed record ProduceResponse(IReadOnlyList<ProducedOffset>? Offsets);

public sealed record FetchedRecord(long Offset, long Timestamp, string? Key, string? Value, IReadOnlyDictionary<string, string?>? Headers);

public sealed record FetchResponse(IReadOnlyList<FetchedRecord> Records, long NextOffset, long HighWatermark, long LastStableOffset, long LogStartOffset);

public sealed record OffsetAnswer(long Offset);

public sealed record TopicPartitionRef(string Topic, int Partition);

public sealed record JoinResponse(string MemberId, int Generation, IReadOnlyList<TopicPartitionRef> Assignment);

public sealed record HeartbeatResponse(int Generation, IReadOnlyList<TopicPartitionRef> Assignment);

public sealed record CommittedOffset(string Topic, int Partition, long Offset, string? Metadata);

public sealed record CommittedOffsets(IReadOnlyList<CommittedOffset> Offsets);

public sealed record GroupMemberInfo(string MemberId, IReadOnlyList<TopicPartitionRef> Assignment);

public sealed record GroupOffsetInfo(string Topic, int Partition, long Offset, long LogEndOffset, long Lag);

public sealed record GroupInfo(string Group, string State, int Generation, IReadOnlyList<GroupMemberInfo> Members, IReadOnlyList<GroupOffsetInfo> Offsets);
