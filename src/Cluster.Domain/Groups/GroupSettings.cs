using Akka.Configuration;

namespace Cluster.Domain.Groups;

/// <summary>
/// <c>cluster-log.groups</c> (hocon/base.conf explains each value). Every value has a default
/// here too, so a configuration without the section still works.
/// </summary>
public sealed record GroupSettings(
    int OffsetsTopicPartitions,
    int OffsetsTopicMinInsyncReplicas,
    GroupPolicy Policy,
    int DefaultSessionTimeoutMs,
    TimeSpan MaxJoinWait,
    TimeSpan TickInterval,
    int NumberOfShards,
    int LoadChunkBytes,
    TimeSpan LoadTimeout,
    TimeSpan PassivateIdleAfter,
    TimeSpan RequestTimeout,
    TimeSpan AttemptTimeout)
{
    public static readonly GroupSettings Default = new(
        12, 2, GroupPolicy.Default, 10_000, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200), 100,
        1024 * 1024, TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(2));

    public static GroupSettings From(Config config)
    {
        var c = config.GetConfig("cluster-log.groups") ?? Config.Empty;
        var d = Default;
        int Ms(string key, TimeSpan fallback) => (int)Math.Clamp(c.GetTimeSpan(key, fallback).TotalMilliseconds, 0, int.MaxValue);
        var assignor = c.GetString("assignor", d.Policy.DefaultAssignor);
        if (!PartitionAssignors.IsKnown(assignor))
            throw new ConfigurationException($"cluster-log.groups.assignor = '{assignor}': must be one of {string.Join(", ", PartitionAssignors.Names)}");
        var policy = new GroupPolicy(
            Ms("min-session-timeout", TimeSpan.FromMilliseconds(d.Policy.MinSessionTimeoutMs)),
            Ms("max-session-timeout", TimeSpan.FromMilliseconds(d.Policy.MaxSessionTimeoutMs)),
            assignor,
            c.GetInt("offset-metadata-max-bytes", d.Policy.MaxMetadataBytes));
        return new GroupSettings(
            Math.Max(1, c.GetInt("offsets-topic-partitions", d.OffsetsTopicPartitions)),
            Math.Max(1, c.GetInt("offsets-topic-min-insync-replicas", d.OffsetsTopicMinInsyncReplicas)),
            policy,
            Math.Clamp(Ms("default-session-timeout", TimeSpan.FromMilliseconds(d.DefaultSessionTimeoutMs)), policy.MinSessionTimeoutMs, policy.MaxSessionTimeoutMs),
            c.GetTimeSpan("max-join-wait", d.MaxJoinWait),
            c.GetTimeSpan("tick-interval", d.TickInterval),
            Math.Max(1, c.GetInt("number-of-shards", d.NumberOfShards)),
            (int)Math.Clamp(c.GetByteSize("load-chunk-bytes") ?? d.LoadChunkBytes, 4096, 64 * 1024 * 1024),
            c.GetTimeSpan("load-timeout", d.LoadTimeout),
            c.GetTimeSpan("passivate-idle-after", d.PassivateIdleAfter),
            c.GetTimeSpan("request-timeout", d.RequestTimeout),
            c.GetTimeSpan("attempt-timeout", d.AttemptTimeout));
    }
}
