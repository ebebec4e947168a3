using Akka.Configuration;
using Cluster.Domain.Log;

namespace Cluster.Domain.Replication;

/// <summary>Read from <c>cluster-log.replica</c> (hocon/base.conf explains each value).</summary>
public sealed record ReplicaSettings(
    LogSettings Log,
    TimeSpan ReplicaLagTimeMax,
    TimeSpan RetentionCheckInterval,
    int SnapshotEveryEvents,
    long SnapshotEveryBytes,
    int FollowerWindowBytes,
    int MaxPushBytes,
    TimeSpan FollowerFetchTimeout,
    TimeSpan FollowerFetchRetry,
    TimeSpan HeartbeatInterval,
    TimeSpan ResendAfter,
    TimeSpan TickInterval)
{
    public static ReplicaSettings From(Config config)
    {
        var c = config.GetConfig("cluster-log.replica");
        return new ReplicaSettings(
            new LogSettings(
                (int)c.GetByteSize("index-interval-bytes")!.Value,
                c.GetByteSize("tail-cache-bytes")!.Value),
            c.GetTimeSpan("replica-lag-time-max"),
            c.GetTimeSpan("retention-check-interval"),
            c.GetInt("snapshot-every-events"),
            c.GetByteSize("snapshot-every-bytes")!.Value,
            (int)c.GetByteSize("follower-window-bytes")!.Value,
            (int)c.GetByteSize("max-push-bytes")!.Value,
            c.GetTimeSpan("follower-fetch-timeout"),
            c.GetTimeSpan("follower-fetch-retry"),
            c.GetTimeSpan("heartbeat-interval"),
            c.GetTimeSpan("resend-after"),
            c.GetTimeSpan("tick-interval"));
    }
}
