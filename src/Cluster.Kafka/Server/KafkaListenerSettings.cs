using Akka.Configuration;
using Cluster.Kafka.Protocol;

namespace Cluster.Kafka.Server;

/// <summary>
/// The Kafka listener's limits, read from <c>cluster-log.kafka</c> in the node's HOCON
/// (every key optional; the defaults below are Kafka's own where Kafka has one).
/// </summary>
public sealed record KafkaListenerSettings
{
    /// <summary>Kafka's socket.request.max.bytes: a larger frame closes the connection before it is buffered.</summary>
    public int MaxFrameSize { get; init; } = KafkaFrame.DefaultMaxFrameSize;

    /// <summary>
    /// Requests of one connection handled at the same time (answers still go out in request
    /// order). Clients pipeline (librdkafka up to 5 produce requests per connection with
    /// idempotence); a slow long-poll fetch then does not hold the others back in our queue,
    /// and a connection cannot pile up unbounded work.
    /// </summary>
    public int MaxInFlightPerConnection { get; init; } = 8;

    /// <summary>Largest fetch response we build (clients ask for fetch.max.bytes, 50 MiB by default).</summary>
    public int MaxFetchBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Longest long poll we honour (a client's fetch.wait.max.ms is 500 ms by default).</summary>
    public int MaxFetchWaitMs { get; init; } = 30_000;

    /// <summary>Producer ids taken from the controller at a time, then handed out by this node.</summary>
    public int ProducerIdBlockSize { get; init; } = 1000;

    /// <summary>Partitions and replication factor of a CreateTopics that asks for the broker default (-1).</summary>
    public int DefaultPartitions { get; init; } = 1;

    public static KafkaListenerSettings From(Config config)
    {
        var d = new KafkaListenerSettings();
        const string p = "cluster-log.kafka.";
        return new KafkaListenerSettings
        {
            MaxFrameSize = (int)Math.Clamp(config.GetByteSize(p + "max-frame-size", null) ?? d.MaxFrameSize, 1024, int.MaxValue),
            MaxInFlightPerConnection = Math.Clamp(config.GetInt(p + "max-in-flight-per-connection", d.MaxInFlightPerConnection), 1, 1000),
            MaxFetchBytes = (int)Math.Clamp(config.GetByteSize(p + "max-fetch-bytes", null) ?? d.MaxFetchBytes, 1024, int.MaxValue),
            MaxFetchWaitMs = (int)Math.Clamp(
                config.GetTimeSpan(p + "max-fetch-wait", TimeSpan.FromMilliseconds(d.MaxFetchWaitMs), allowInfinite: false).TotalMilliseconds,
                0, 300_000),
            ProducerIdBlockSize = Math.Clamp(config.GetInt(p + "producer-id-block-size", d.ProducerIdBlockSize), 1, 1_000_000),
            DefaultPartitions = Math.Max(1, config.GetInt(p + "default-partitions", d.DefaultPartitions)),
        };
    }
}
