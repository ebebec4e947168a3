using System.Globalization;
using System.Text;

namespace Cluster.Node;

/// <summary>Journal backend of a node (<c>--storage</c>).</summary>
public enum StorageBackend
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One entry of <c>--seed-nodes</c>: the host and Akka.Remote port of a seed node.
/// IPv6 hosts are kept without brackets; <see cref="ToString"/> adds them back.
/// </summary>
public readonly record struct SeedNode(string Host, int Port)
{
    /// <summary><c>host:port</c>, or <c>[v6]:port</c> for an IPv6 address.</summary>
    public override string ToString() =>
        (Host.Contains(':') ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The seed's Akka address, e.g. <c>akka.tcp://cluster@127.0.0.1:4053</c>.</summary>
    public string ToAkkaAddress(string actorSystemName) => $"akka.tcp://{actorSystemName}@{this}";
}

/// <summary>
/// How a node is started: the options of CONTRACT.md section 1, already validated and
/// with every default filled in. Paths are absolute. Built by <see cref="NodeOptionsParser"/>.
/// </summary>
public sealed record NodeOptions
{
    public const int DefaultBrokerId = 1;
    public const string DefaultHostname = "127.0.0.1";
    public const int DefaultPort = 4053;
    public const int DefaultHttpPort = 8080;
    public const int DefaultKafkaPort = 9092;
    public const StorageBackend DefaultStorage = StorageBackend.Sqlite;

    /// <summary>Stable identity of this node; 0 and up, as in Kafka.</summary>
    public int BrokerId { get; init; } = DefaultBrokerId;

    /// <summary>Address Akka.Remote, the HTTP API and the Kafka listener bind and advertise.</summary>
    public string Hostname { get; init; } = DefaultHostname;

    /// <summary>Akka.Remote port.</summary>
    public int Port { get; init; } = DefaultPort;

    public int HttpPort { get; init; } = DefaultHttpPort;

    /// <summary>Kafka wire-protocol port; 0 means the listener is off.</summary>
    public int KafkaPort { get; init; } = DefaultKafkaPort;

    public bool KafkaEnabled => KafkaPort != 0;

    /// <summary>Never empty: without <c>--seed-nodes</c> it holds this node itself.</summary>
    public required IReadOnlyList<SeedNode> SeedNodes { get; init; }

    /// <summary>Absolute path of this node's own storage (default <c>&lt;cwd&gt;/data/broker-N</c>).</summary>
    public required string DataDir { get; init; }

    public StorageBackend Storage { get; init; } = DefaultStorage;

    /// <summary>
    /// PostgreSQL connection string; set exactly when <see cref="Storage"/> is Postgres
    /// (one given with SQLite is dropped with a warning by the parser).
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>Absolute path of an existing HOCON file layered over the <c>hocon/</c> defaults, or null.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>This node's own seed-node entry (hostname and Akka.Remote port).</summary>
    public SeedNode Self => new(Hostname, Port);

    /// <summary>Default data directory of a broker: <c>&lt;currentDirectory&gt;/data/broker-N</c>.</summary>
    public static string DefaultDataDir(int brokerId, string currentDirectory) =>
        Path.GetFullPath(Path.Combine(currentDirectory, "data", "broker-" + brokerId.ToString(CultureInfo.InvariantCulture)));

    // Options get logged at start-up: keep the connection string (and its password) out of logs.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("BrokerId = ").Append(BrokerId)
            .Append(", Hostname = ").Append(Hostname)
            .Append(", Port = ").Append(Port)
            .Append(", HttpPort = ").Append(HttpPort)
            .Append(", KafkaPort = ").Append(KafkaPort)
            .Append(", SeedNodes = [").Append(string.Join(", ", SeedNodes)).Append(']')
            .Append(", DataDir = ").Append(DataDir)
            .Append(", Storage = ").Append(Storage)
            .Append(", ConnectionString = ").Append(ConnectionString is null ? "(none)" : "(set)")
            .Append(", ConfigFile = ").Append(ConfigFile ?? "(none)");
        return true;
    }
}
