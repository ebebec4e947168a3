using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.Persistence.Sql;

namespace Cluster.Domain.Hosting;

/// <summary>Builds a node's configuration from the layered files in hocon/ and its options.</summary>
public static class NodeConfig
{
    public const string SystemName = "cluster-log";

    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public static Config LoadFile(string name) =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(HoconDirectory, name)));

    /// <summary>
    /// Akka address of a seed ("host:port"). Transport adapters (tests apply the throttler to
    /// cut links) become part of the scheme, e.g. akka.trttl.tcp.
    /// </summary>
    public static string SeedAddress(string hostPort, IEnumerable<string>? adapters = null) =>
        $"akka.{string.Concat((adapters ?? Array.Empty<string>()).Select(a => a + "."))}tcp://{SystemName}@{hostPort}";

    public static Config Build(BrokerNodeSettings settings)
    {
        var layered = ConfigurationFactory.Empty;
        if (settings.ExtraHocon is not null) layered = layered.WithFallback(ConfigurationFactory.ParseString(settings.ExtraHocon));
        if (settings.ConfigFile is not null) layered = layered.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(settings.ConfigFile)));
        layered = layered
            .WithFallback(LoadFile(settings.Storage == StorageKind.Postgres ? "postgres.conf" : "sqlite.conf"))
            .WithFallback(LoadFile("ddata-durable.conf"))
            .WithFallback(LoadFile("base.conf"))
            .WithFallback(ClusterSharding.DefaultConfig())
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(DistributedData.DefaultConfig())
            .WithFallback(SqlPersistence.DefaultConfiguration);

        var adapters = layered.GetStringList("akka.remote.dot-netty.tcp.applied-adapters", Array.Empty<string>());
        var seeds = settings.SeedNodes.Count > 0 ? settings.SeedNodes : new[] { $"{settings.Hostname}:{settings.Port}" };
        // Only what differs per node is written here; everything else lives in hocon/.
        var options = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.hostname = {{Quote(settings.Hostname)}}
            akka.remote.dot-netty.tcp.port = {{settings.Port}}
            akka.cluster.seed-nodes = [{{string.Join(",", seeds.Select(s => Quote(SeedAddress(s, adapters))))}}]
            akka.cluster.roles = ["broker", {{Quote($"broker-{settings.BrokerId}")}}]
            akka.cluster.distributed-data.durable.sqlite.path = {{Quote(Path.Combine(settings.DataDir, "ddata.db"))}}
            cluster-log.node.broker-id = {{settings.BrokerId}}
            """);
        return options.WithFallback(layered);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
