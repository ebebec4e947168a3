using Akka.Configuration;

namespace Cluster.Domain.Transactions;

/// <summary>
/// <c>cluster-log.transactions</c> (hocon/base.conf explains each value). Every value has a
/// default here too, so a configuration without the section still works.
/// </summary>
public sealed record TransactionSettings(
    int StateTopicPartitions,
    int StateTopicMinInsyncReplicas,
    int DefaultTimeoutMs,
    int MaxTimeoutMs,
    TimeSpan TimeoutCheckInterval,
    TimeSpan RecoveryInterval,
    TimeSpan RequestLease,
    TimeSpan MarkerRetryBackoff,
    int ProducerIdBlockSize,
    int NumberOfShards,
    int LoadChunkBytes,
    TimeSpan LoadTimeout,
    TimeSpan PassivateIdleAfter,
    TimeSpan AttemptTimeout,
    TimeSpan RequestTimeout,
    TimeSpan EndTimeout,
    TimeSpan TestPauseBeforeCommitMarkers)
{
    public static readonly TransactionSettings Default = new(
        StateTopicPartitions: 12,
        StateTopicMinInsyncReplicas: 2,
        DefaultTimeoutMs: 60_000,
        MaxTimeoutMs: 900_000,
        TimeoutCheckInterval: TimeSpan.FromSeconds(1),
        RecoveryInterval: TimeSpan.FromSeconds(5),
        RequestLease: TimeSpan.FromSeconds(30),
        MarkerRetryBackoff: TimeSpan.FromMilliseconds(500),
        ProducerIdBlockSize: 1000,
        NumberOfShards: 100,
        LoadChunkBytes: 1024 * 1024,
        LoadTimeout: TimeSpan.FromSeconds(60),
        PassivateIdleAfter: TimeSpan.FromMinutes(10),
        AttemptTimeout: TimeSpan.FromSeconds(5),
        RequestTimeout: TimeSpan.FromSeconds(20),
        EndTimeout: TimeSpan.FromSeconds(60),
        TestPauseBeforeCommitMarkers: TimeSpan.Zero);

    public static TransactionSettings From(Config config)
    {
        var c = config.GetConfig("cluster-log.transactions") ?? Config.Empty;
        var d = Default;
        int Ms(string key, int fallback) => (int)Math.Clamp(c.GetTimeSpan(key, TimeSpan.FromMilliseconds(fallback)).TotalMilliseconds, 1, int.MaxValue);
        var max = Ms("max-transaction-timeout", d.MaxTimeoutMs);
        return new TransactionSettings(
            Math.Max(1, c.GetInt("state-topic-partitions", d.StateTopicPartitions)),
            Math.Max(1, c.GetInt("state-topic-min-insync-replicas", d.StateTopicMinInsyncReplicas)),
            Math.Min(max, Ms("default-transaction-timeout", d.DefaultTimeoutMs)),
            max,
            c.GetTimeSpan("timeout-check-interval", d.TimeoutCheckInterval),
            c.GetTimeSpan("recovery-interval", d.RecoveryInterval),
            c.GetTimeSpan("request-lease", d.RequestLease),
            c.GetTimeSpan("marker-retry-backoff", d.MarkerRetryBackoff),
            Math.Max(1, c.GetInt("producer-id-block-size", d.ProducerIdBlockSize)),
            Math.Max(1, c.GetInt("number-of-shards", d.NumberOfShards)),
            (int)Math.Clamp(c.GetByteSize("load-chunk-bytes") ?? d.LoadChunkBytes, 4096, 64 * 1024 * 1024),
            c.GetTimeSpan("load-timeout", d.LoadTimeout),
            c.GetTimeSpan("passivate-idle-after", d.PassivateIdleAfter),
            c.GetTimeSpan("attempt-timeout", d.AttemptTimeout),
            c.GetTimeSpan("request-timeout", d.RequestTimeout),
            c.GetTimeSpan("end-transaction-timeout", d.EndTimeout),
            c.GetTimeSpan("test-pause-before-commit-markers", d.TestPauseBeforeCommitMarkers));
    }
}
