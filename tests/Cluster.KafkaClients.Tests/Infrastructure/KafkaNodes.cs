using Cluster.EndToEnd.Tests.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cluster.KafkaClients.Tests.Infrastructure;

/// <summary>Node processes with their Kafka listener on, and Kafka clients configured for them.</summary>
public static class KafkaNodes
{
    /// <summary>HOCON for the specs: quick retention checks; everything else as in production.</summary>
    public const string TestHocon = "cluster-log.replica.retention-check-interval = 500ms\n";

    /// <summary>Generous: on a loaded 2-core machine a node process alone can take half a minute to boot.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public static NodeProcessOptions WithKafka(NodeProcessOptions options) =>
        options with { KafkaPort = FreePorts.Next(), ExtraHocon = options.ExtraHocon ?? TestHocon };

    public static string Bootstrap(this NodeProcess node) => $"127.0.0.1:{node.Options.KafkaPort}";

    public static string Bootstrap(this ClusterProcesses cluster) =>
        string.Join(",", cluster.Nodes.Where(n => n.IsRunning).Select(n => n.Bootstrap()));

    public static ProducerConfig Producer(string bootstrap, Acks acks = Acks.All, bool idempotent = true) => new()
    {
        BootstrapServers = bootstrap,
        Acks = acks,
        EnableIdempotence = idempotent,
        LingerMs = 5,
        MessageTimeoutMs = 60_000,
        RequestTimeoutMs = 30_000,
        SocketTimeoutMs = 30_000,
        AllowAutoCreateTopics = false,
        // librdkafka leaves Nagle on by default; small acks=all requests then wait for delayed ACKs.
        SocketNagleDisable = true,
    };

    public static ConsumerConfig Consumer(string bootstrap, string? group = null, IsolationLevel isolation = IsolationLevel.ReadUncommitted) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group ?? "unused-" + Guid.NewGuid().ToString("N"),
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        IsolationLevel = isolation,
        FetchWaitMaxMs = 200,
        AllowAutoCreateTopics = false,
        SessionTimeoutMs = 10_000,
    };

    public static async Task CreateTopicAsync(string bootstrap, string topic, int partitions, short replicationFactor,
        Dictionary<string, string>? configs = null)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([
            new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = replicationFactor, Configs = configs },
        ], new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(30), OperationTimeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Reads every record of a partition from <paramref name="from"/> up to <paramref name="until"/> (exclusive), without a group.</summary>
    public static List<ConsumeResult<string, string>> ReadPartition(string bootstrap, string topic, int partition, long from, long until,
        TimeSpan timeout, IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        using var consumer = new ConsumerBuilder<string, string>(Consumer(bootstrap, isolation: isolation)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, from));
        var records = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            if (r.IsPartitionEOF) continue;
            records.Add(r);
            if (r.Offset.Value + 1 >= until) break;
        }
        return records;
    }
}
