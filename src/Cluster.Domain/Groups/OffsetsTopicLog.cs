using System.Globalization;
using Cluster.Domain.Client;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Groups;

/// <summary>
/// A group's log is its partition of <c>__consumer_offsets</c>, reached through the node's
/// <see cref="BrokerGateway"/> like any client would: writes are acks=all produces, loading
/// is fetching from the log start to the end of the leader's log.
///
/// The topic is created on first use, by whichever node needs it first, with replication
/// factor -1 (the controller makes it min(3, live brokers)), retention.ms -1 (offsets are
/// never deleted by age: there is no compaction yet) and min.insync.replicas of
/// <c>offsets-topic-min-insync-replicas</c> but at most replicas - 1, so that a commit
/// survives one broker's loss and commits still work while one broker is down.
/// </summary>
public sealed class OffsetsTopicLog : IGroupLog
{
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan NotEnoughReplicasRetry = TimeSpan.FromSeconds(5);

    private readonly BrokerGateway _gateway;
    private readonly GroupSettings _settings;
    private readonly Func<int> _liveBrokers;
    private volatile bool _configChecked;

    public OffsetsTopicLog(BrokerGateway gateway, GroupSettings settings, Func<int> liveBrokers)
    {
        _gateway = gateway;
        _settings = settings;
        _liveBrokers = liveBrokers;
    }

    /// <summary>The partition that holds <paramref name="groupId"/>'s records, once the topic exists.</summary>
    public int? PartitionOf(string groupId) =>
        _gateway.Metadata.Topic(OffsetsTopic.Name) is { } topic ? OffsetsTopic.PartitionFor(groupId, topic.Partitions.Length) : null;

    public async Task<GroupLogWrite> AppendAsync(string groupId, IReadOnlyList<IDurableGroupEvent> events, TransactionalWrite? transaction,
        CancellationToken cancellation)
    {
        var (topic, error, message) = await EnsureTopicAsync(cancellation).ConfigureAwait(false);
        if (topic is null) return new GroupLogWrite(error, message, -1);
        var partition = OffsetsTopic.PartitionFor(groupId, topic.Partitions.Length);
        var batch = OffsetsTopic.BuildBatch(groupId, events, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), transaction);
        // Too few in-sync replicas is often brief (a partition just created, a follower
        // catching up after a leader change): retry it for a moment, as Kafka's producers do.
        // A repeated write is harmless: the group's records say the same again, the last wins.
        var retryUntil = DateTime.UtcNow + NotEnoughReplicasRetry;
        var backoff = TimeSpan.FromMilliseconds(50);
        ProduceResult result;
        while (true)
        {
            result = await _gateway.ProduceAsync(OffsetsTopic.Name, partition, (byte[])batch.Clone(), Acks.All, cancellation).ConfigureAwait(false);
            if (result.Error is not (ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend) || DateTime.UtcNow + backoff > retryUntil) break;
            await Task.Delay(backoff, cancellation).ConfigureAwait(false);
            backoff = TimeSpan.FromMilliseconds(Math.Min(500, backoff.TotalMilliseconds * 2));
        }
        if (result.Error == ErrorCode.None) return new GroupLogWrite(ErrorCode.None, null, result.BaseOffset);
        return new GroupLogWrite(WriteError(result.Error),
            $"Writing group '{groupId}' to {OffsetsTopic.Name}-{partition} failed: {result.Error.KafkaName()}" +
            (result.Message is null ? "" : $" ({result.Message})"), -1);
    }

    /// <summary>
    /// Kafka's coordinator answers a failed append with COORDINATOR_NOT_AVAILABLE; the causes
    /// a client can act on (too few replicas, a timeout) are passed through as they are. All
    /// are 5xx: retry.
    /// </summary>
    private static ErrorCode WriteError(ErrorCode error) => error switch
    {
        ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.RequestTimedOut => error,
        _ => ErrorCode.CoordinatorNotAvailable,
    };

    public async Task<GroupLogLoad> LoadAsync(string groupId, CancellationToken cancellation)
    {
        var (topic, error, message) = await EnsureTopicAsync(cancellation).ConfigureAwait(false);
        if (topic is null) return GroupLogLoad.Failed(error, message!);
        var partition = OffsetsTopic.PartitionFor(groupId, topic.Partitions.Length);

        var status = await _gateway.DescribePartitionAsync(OffsetsTopic.Name, partition, cancellation).ConfigureAwait(false);
        if (status.Error != ErrorCode.None)
            return GroupLogLoad.Failed(ErrorCode.CoordinatorLoadInProgress,
                $"{OffsetsTopic.Name}-{partition} cannot be read yet: {status.Error.KafkaName()}");

        // Everything up to the leader's log end offset, not only its high watermark: a new
        // leader's high watermark may lag what it holds (and what was acknowledged) until its
        // followers have fetched once; waiting for it to pass the log end (long polls) is
        // what makes every acknowledged write visible here.
        var target = status.LogEndOffset;
        var offset = status.LogStartOffset;
        var replay = new GroupLogReplay(groupId);
        while (offset < target)
        {
            cancellation.ThrowIfCancellationRequested();
            var fetch = await _gateway.FetchAsync(OffsetsTopic.Name, partition, offset, _settings.LoadChunkBytes,
                IsolationLevel.ReadUncommitted, waitMs: 500, cancellation).ConfigureAwait(false);
            if (fetch.Error == ErrorCode.OffsetOutOfRange && fetch.LogStartOffset > offset)
            {
                offset = fetch.LogStartOffset;
                continue;
            }
            if (fetch.Error != ErrorCode.None)
                return GroupLogLoad.Failed(ErrorCode.CoordinatorLoadInProgress,
                    $"Reading {OffsetsTopic.Name}-{partition} at offset {offset} failed: {fetch.Error.KafkaName()}");
            foreach (var bytes in fetch.Batches)
            {
                var batch = new RecordBatch(bytes);
                replay.Add(batch, offset);
                offset = Math.Max(offset, batch.NextOffset);
            }
        }
        return new GroupLogLoad(ErrorCode.None, null, replay.Events, partition, replay.RecordsRead);
    }

    /// <summary>The topic, created first if it does not exist yet.</summary>
    public async Task<(TopicMetadata? Topic, ErrorCode Error, string? Message)> EnsureTopicAsync(CancellationToken cancellation)
    {
        var topic = _gateway.Metadata.Topic(OffsetsTopic.Name);
        if (topic is null)
        {
            var expectedReplicas = Math.Min(MetadataChanges.MaxDefaultReplicationFactor, Math.Max(1, _liveBrokers()));
            var configs = new Dictionary<string, string>
            {
                [TopicConfig.MinInsyncReplicasKey] = MinInsyncReplicasFor(expectedReplicas).ToString(CultureInfo.InvariantCulture),
                [TopicConfig.RetentionMsKey] = "-1",
            };
            var created = await _gateway.ControllerAsync(new CreateTopic(OffsetsTopic.Name, _settings.OffsetsTopicPartitions,
                MetadataChanges.DefaultReplicationFactor, configs), cancellation).ConfigureAwait(false);
            if (!created.Ok && created.Error != ErrorCode.TopicAlreadyExists)
                return (null, ErrorCode.CoordinatorNotAvailable,
                    $"Creating {OffsetsTopic.Name} failed: {created.Error.KafkaName()} {created.Message}");
            // Created by another node at the same time: wait until this node's metadata has it.
            var deadline = DateTime.UtcNow + MetadataWait;
            while ((topic = _gateway.Metadata.Topic(OffsetsTopic.Name)) is null && DateTime.UtcNow < deadline)
                await Task.Delay(50, cancellation).ConfigureAwait(false);
            if (topic is null) return (null, ErrorCode.CoordinatorNotAvailable, $"{OffsetsTopic.Name} is not in this node's metadata yet");
        }
        if (!_configChecked) await CheckMinInsyncReplicasAsync(topic, cancellation).ConfigureAwait(false);
        return (topic, ErrorCode.None, null);
    }

    private int MinInsyncReplicasFor(int replicas) => Math.Clamp(_settings.OffsetsTopicMinInsyncReplicas, 1, Math.Max(1, replicas - 1));

    /// <summary>
    /// The controller chose the replication factor; a min.insync.replicas above it would
    /// refuse every acks=all commit for ever (a race between the brokers' view and ours
    /// at creation): lower it then. A feasible value someone set deliberately is left alone.
    /// </summary>
    private async Task CheckMinInsyncReplicasAsync(TopicMetadata topic, CancellationToken cancellation)
    {
        var replicas = topic.Partitions.Length == 0 ? 1 : topic.Partitions.Min(p => p.Replicas.Length);
        if (topic.Config.MinInsyncReplicas > replicas)
        {
            var result = await _gateway.ControllerAsync(new AlterTopicConfigs(OffsetsTopic.Name, new Dictionary<string, string>
            {
                [TopicConfig.MinInsyncReplicasKey] = MinInsyncReplicasFor(replicas).ToString(CultureInfo.InvariantCulture),
            }), cancellation).ConfigureAwait(false);
            if (!result.Ok) return;
        }
        _configChecked = true;
    }
}
