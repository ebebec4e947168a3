using Akka.Configuration;

namespace Cluster.Api;

/// <summary>The HTTP front door's limits, read from the node's HOCON (<c>cluster-log.http</c>).</summary>
public sealed record ApiSettings(long MaxBodyBytes, int MaxFetchBytes, int BrokerId)
{
    public const long DefaultMaxBodyBytes = 8L * 1024 * 1024;
    public const int DefaultMaxFetchBytes = 16 * 1024 * 1024;

    public static ApiSettings From(Config config)
    {
        var maxBody = config.GetByteSize("cluster-log.http.max-body-bytes", null) ?? DefaultMaxBodyBytes;
        var maxFetch = config.GetByteSize("cluster-log.http.max-fetch-bytes", null) ?? DefaultMaxFetchBytes;
        return new ApiSettings(
            Math.Max(1, maxBody),
            (int)Math.Clamp(maxFetch, 1, int.MaxValue),
            config.GetInt("cluster-log.node.broker-id", 0));
    }
}
