using System.Globalization;
using System.Runtime.Serialization;
using Cluster.Domain.Client;
using Cluster.Domain.Controller;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Transactions;

public sealed record TransactionLogWrite(ErrorCode Error, string? Message)
{
    public static readonly TransactionLogWrite Ok = new(ErrorCode.None, null);
    public bool Succeeded => Error == ErrorCode.None;
}

/// <summary>The id's newest state as its partition holds it (null: never written).</summary>
public sealed record TransactionLogLoad(ErrorCode Error, string? Message, TransactionMetadata? Metadata, int Partition, long RecordsRead)
{
    public bool Succeeded => Error == ErrorCode.None;

    public static TransactionLogLoad Failed(ErrorCode error, string message) => new(error, message, null, -1, 0);
}

/// <summary>
/// Where a transaction coordinator keeps what must survive it: <see cref="TransactionStateTopicLog"/>
/// in production (the id's partition of <c>__transaction_state</c>), an in-memory log in specs.
/// </summary>
public interface ITransactionStateLog
{
    /// <summary>Write the state as one record with acks=all; done means every in-sync replica holds it.</summary>
    Task<TransactionLogWrite> WriteAsync(TransactionMetadata metadata, CancellationToken cancellation);

    /// <summary>The newest state of the id, reading its partition up to the end of the leader's log as it was when asked.</summary>
    Task<TransactionLogLoad> LoadAsync(string transactionalId, CancellationToken cancellation);
}

/// <summary>
/// <c>__transaction_state</c> through the node's <see cref="BrokerGateway"/>, like any client:
/// writes are acks=all produces, loading fetches from the log start to the leader's log end.
/// Created on first use with replication factor -1 (min(3, live brokers)), retention.ms -1 (a
/// state is never deleted by age: there is no compaction yet) and min.insync.replicas of
/// <c>state-topic-min-insync-replicas</c>, at most replicas - 1, so that a state survives one
/// broker's loss and transactions go on while one broker is down.
/// </summary>
public sealed class TransactionStateTopicLog : ITransactionStateLog
{
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(10);

    private readonly BrokerGateway _gateway;
    private readonly TransactionSettings _settings;
    private readonly Func<int> _liveBrokers;
    private volatile bool _configChecked;

    public TransactionStateTopicLog(BrokerGateway gateway, TransactionSettings settings, Func<int> liveBrokers)
    {
        _gateway = gateway;
        _settings = settings;
        _liveBrokers = liveBrokers;
    }

    public BrokerGateway Gateway => _gateway;

    public async Task<TransactionLogWrite> WriteAsync(TransactionMetadata metadata, CancellationToken cancellation)
    {
        var (topic, error, message) = await EnsureTopicAsync(cancellation).ConfigureAwait(false);
        if (topic is null) return new TransactionLogWrite(error, message);
        var partition = TransactionStateTopic.PartitionFor(metadata.TransactionalId, topic.Partitions.Length);
        var batch = TransactionStateTopic.BuildBatch(metadata, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var result = await _gateway.ProduceAsync(TransactionStateTopic.Name, partition, batch, Acks.All, cancellation).ConfigureAwait(false);
        if (result.Error == ErrorCode.None) return TransactionLogWrite.Ok;
        // Kafka's coordinator answers a failed append with COORDINATOR_NOT_AVAILABLE; causes a
        // client can act on pass through. All are 5xx: retry.
        var code = result.Error is ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.RequestTimedOut
            ? result.Error
            : ErrorCode.CoordinatorNotAvailable;
        return new TransactionLogWrite(code,
            $"Writing the state of '{metadata.TransactionalId}' to {TransactionStateTopic.Name}-{partition} failed: {result.Error.KafkaName()}" +
            (result.Message is null ? "" : $" ({result.Message})"));
    }

    public async Task<TransactionLogLoad> LoadAsync(string transactionalId, CancellationToken cancellation)
    {
        var (topic, error, message) = await EnsureTopicAsync(cancellation).ConfigureAwait(false);
        if (topic is null) return TransactionLogLoad.Failed(error, message!);
        var partition = TransactionStateTopic.PartitionFor(transactionalId, topic.Partitions.Length);
        TransactionMetadata? newest = null;
        var read = await ReadPartitionAsync(partition, from: null, (id, metadata) =>
        {
            if (id == transactionalId) newest = metadata;
        }, cancellation).ConfigureAwait(false);
        return read.Error != ErrorCode.None
            ? TransactionLogLoad.Failed(read.Error, read.Message!)
            : new TransactionLogLoad(ErrorCode.None, null, newest, partition, read.Records);
    }

    public sealed record PartitionRead(ErrorCode Error, string? Message, long NextOffset, long Records, int LeaderEpoch);

    /// <summary>
    /// Every state record of one partition from <paramref name="from"/> (null: the log start) to
    /// the end of the leader's log as it was when asked, oldest first. Records that cannot be
    /// decoded are skipped (one bad record must not make every id of its partition unloadable).
    /// </summary>
    public async Task<PartitionRead> ReadPartitionAsync(int partition, long? from, Action<string, TransactionMetadata?> onRecord,
        CancellationToken cancellation)
    {
        var status = await _gateway.DescribePartitionAsync(TransactionStateTopic.Name, partition, cancellation).ConfigureAwait(false);
        if (status.Error != ErrorCode.None)
            return new PartitionRead(ErrorCode.CoordinatorLoadInProgress,
                $"{TransactionStateTopic.Name}-{partition} cannot be read yet: {status.Error.KafkaName()}", -1, 0, -1);

        // Up to the leader's log end, not its high watermark: a new leader's high watermark may
        // lag what it holds (and what was acknowledged) until its followers have fetched once.
        var target = status.LogEndOffset;
        var offset = Math.Max(from ?? status.LogStartOffset, status.LogStartOffset);
        long records = 0;
        while (offset < target)
        {
            cancellation.ThrowIfCancellationRequested();
            var fetch = await _gateway.FetchAsync(TransactionStateTopic.Name, partition, offset, _settings.LoadChunkBytes,
                IsolationLevel.ReadUncommitted, waitMs: 500, cancellation).ConfigureAwait(false);
            if (fetch.Error == ErrorCode.OffsetOutOfRange && fetch.LogStartOffset > offset)
            {
                offset = fetch.LogStartOffset;
                continue;
            }
            if (fetch.Error != ErrorCode.None)
                return new PartitionRead(ErrorCode.CoordinatorLoadInProgress,
                    $"Reading {TransactionStateTopic.Name}-{partition} at offset {offset} failed: {fetch.Error.KafkaName()}", -1, records, -1);
            foreach (var bytes in fetch.Batches)
            {
                var batch = new RecordBatch(bytes);
                if (!batch.IsControl)
                {
                    foreach (var record in batch)
                    {
                        if (record.Offset < offset || record.Key is not { } key) continue;
                        var id = TransactionStateTopic.TransactionalIdOf(key.Span);
                        if (id is null) continue;
                        records++;
                        try
                        {
                            onRecord(id, record.Value is { } value ? TransactionStateTopic.ReadValue(id, value.Span) : null);
                        }
                        catch (SerializationException)
                        {
                        }
                    }
                }
                offset = Math.Max(offset, batch.NextOffset);
            }
        }
        return new PartitionRead(ErrorCode.None, null, offset, records, status.LeaderEpoch);
    }

    /// <summary>The topic, created first if it does not exist yet.</summary>
    public async Task<(TopicMetadata? Topic, ErrorCode Error, string? Message)> EnsureTopicAsync(CancellationToken cancellation)
    {
        var topic = _gateway.Metadata.Topic(TransactionStateTopic.Name);
        if (topic is null)
        {
            var expectedReplicas = Math.Min(MetadataChanges.MaxDefaultReplicationFactor, Math.Max(1, _liveBrokers()));
            var configs = new Dictionary<string, string>
            {
                [TopicConfig.MinInsyncReplicasKey] = MinInsyncReplicasFor(expectedReplicas).ToString(CultureInfo.InvariantCulture),
                [TopicConfig.RetentionMsKey] = "-1",
            };
            var created = await _gateway.ControllerAsync(new CreateTopic(TransactionStateTopic.Name, _settings.StateTopicPartitions,
                MetadataChanges.DefaultReplicationFactor, configs), cancellation).ConfigureAwait(false);
            if (!created.Ok && created.Error != ErrorCode.TopicAlreadyExists)
                return (null, ErrorCode.CoordinatorNotAvailable,
                    $"Creating {TransactionStateTopic.Name} failed: {created.Error.KafkaName()} {created.Message}");
            var deadline = DateTime.UtcNow + MetadataWait;
            while ((topic = _gateway.Metadata.Topic(TransactionStateTopic.Name)) is null && DateTime.UtcNow < deadline)
                await Task.Delay(50, cancellation).ConfigureAwait(false);
            if (topic is null) return (null, ErrorCode.CoordinatorNotAvailable, $"{TransactionStateTopic.Name} is not in this node's metadata yet");
        }
        if (!_configChecked) await CheckMinInsyncReplicasAsync(topic, cancellation).ConfigureAwait(false);
        return (topic, ErrorCode.None, null);
    }

    private int MinInsyncReplicasFor(int replicas) => Math.Clamp(_settings.StateTopicMinInsyncReplicas, 1, Math.Max(1, replicas - 1));

    /// <summary>A min.insync.replicas above the replication factor the controller chose would refuse every write: lower it.</summary>
    private async Task CheckMinInsyncReplicasAsync(TopicMetadata topic, CancellationToken cancellation)
    {
        var replicas = topic.Partitions.Length == 0 ? 1 : topic.Partitions.Min(p => p.Replicas.Length);
        if (topic.Config.MinInsyncReplicas > replicas)
        {
            var result = await _gateway.ControllerAsync(new AlterTopicConfigs(TransactionStateTopic.Name, new Dictionary<string, string>
            {
                [TopicConfig.MinInsyncReplicasKey] = MinInsyncReplicasFor(replicas).ToString(CultureInfo.InvariantCulture),
            }), cancellation).ConfigureAwait(false);
            if (!result.Ok) return;
        }
        _configChecked = true;
    }
}
