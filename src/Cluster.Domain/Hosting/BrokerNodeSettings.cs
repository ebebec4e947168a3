namespace Cluster.Domain.Hosting;

public enum StorageKind { Sqlite, Postgres }

/// <summary>What makes one node different from the others (contract section 1).</summary>
public sealed record BrokerNodeSettings
{
    public int BrokerId { get; init; } = 1;
    public string Hostname { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4053;
    public int HttpPort { get; init; } = 8080;
    public int KafkaPort { get; init; } = 9092;

    /// <summary>"host:port" of the seed nodes' Akka.Remote; empty means this node alone.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = Array.Empty<string>();

    public required string DataDir { get; init; }
    public StorageKind Storage { get; init; } = StorageKind.Sqlite;
    public string? ConnectionString { get; init; }

    /// <summary>The user's --config file, layered over the hocon/ defaults.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>HOCON laid over everything else but the options (tests use it for fast timings).</summary>
    public string? ExtraHocon { get; init; }
}
