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

    public static string SeedAddress(string hostPort) => $"akka.tcp://{SystemName}@{hostPort}";

    public static Config Build(BrokerNodeSettings settings)
    {
        var seeds = settings.SeedNodes.Count > 0 ? settings.SeedNodes : new[] { $"{settings.Hostname}:{settings.Port}" };
        // Only what differs per node is written here; everything else lives in hocon/.
        var options = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.hostname = {{Quote(settings.Hostname)}}
            akka.remote.dot-netty.tcp.port = {{settings.Port}}
            akka.cluster.seed-nodes = [{{string.Join(",", seeds.Select(s => Quote(SeedAddress(s))))}}]
            akka.cluster.roles = ["broker", {{Quote($"broker-{settings.BrokerId}")}}]
            akka.cluster.distributed-data.durable.sqlite.path = {{Quote(Path.Combine(settings.DataDir, "ddata.db"))}}
            cluster-log.node.broker-id = {{settings.BrokerId}}
            """);

        var config = options;
        if (settings.ExtraHocon is not null) config = config.WithFallback(ConfigurationFactory.ParseString(settings.ExtraHocon));
        if (settings.ConfigFile is not null) config = config.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(settings.ConfigFile)));
        return config
            .WithFallback(LoadFile(settings.Storage == StorageKind.Postgres ? "postgres.conf" : "sqlite.conf"))
            .WithFallback(LoadFile("ddata-durable.conf"))
            .WithFallback(LoadFile("base.conf"))
            .WithFallback(ClusterSharding.DefaultConfig())
            .WithFallback(ClusterSingletonManager.DefaultConfig())
            .WithFallback(DistributedData.DefaultConfig())
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
