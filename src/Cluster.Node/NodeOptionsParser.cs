using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cluster.Node;

/// <summary>
/// Outcome of <see cref="NodeOptionsParser.Parse(string[], IReadOnlyDictionary{string, string?})"/>:
/// options (possibly with warnings), a request for help, or one error line.
/// </summary>
public sealed class ParseResult
{
    private ParseResult(NodeOptions? options, string? error, bool helpRequested, IReadOnlyList<string> warnings)
    {
        Options = options;
        Error = error;
        HelpRequested = helpRequested;
        Warnings = warnings;
    }

    public NodeOptions? Options { get; }

    /// <summary>One line, without a trailing newline and without an <c>error:</c> prefix.</summary>
    public string? Error { get; }

    /// <summary><c>--help</c> or <c>-h</c> was given: print <see cref="NodeOptionsParser.Usage"/> and exit 0.</summary>
    public bool HelpRequested { get; }

    /// <summary>Things that did not stop the node but that a user should hear about (one line each).</summary>
    public IReadOnlyList<string> Warnings { get; }

    [MemberNotNullWhen(true, nameof(Options))]
    public bool Succeeded => Options is not null;

    [MemberNotNullWhen(true, nameof(Error))]
    public bool Failed => Error is not null;

    public static ParseResult Success(NodeOptions options, IReadOnlyList<string>? warnings = null) =>
        new(options, null, false, warnings ?? []);

    public static ParseResult Failure(string error) => new(null, error, false, []);

    public static ParseResult Help { get; } = new(null, null, true, []);
}

/// <summary>
/// Reads a node's options (CONTRACT.md section 1) from the command line and from
/// <c>CLUSTER_*</c> environment variables. The command line wins over the environment,
/// the environment over the defaults. An environment variable that is empty counts as unset.
/// </summary>
public static class NodeOptionsParser
{
    public const string EnvironmentPrefix = "CLUSTER_";

    private const string BrokerId = "broker-id";
    private const string Hostname = "hostname";
    private const string Port = "port";
    private const string HttpPort = "http-port";
    private const string KafkaPort = "kafka-port";
    private const string SeedNodes = "seed-nodes";
    private const string DataDir = "data-dir";
    private const string Storage = "storage";
    private const string ConnectionString = "connection-string";
    private const string Config = "config";

    private sealed record OptionSpec(string Name, string ValueName, string Description)
    {
        public string Flag => "--" + Name;
        public string EnvironmentVariable => EnvironmentVariableFor(Name);
    }

    private static readonly OptionSpec[] Specs =
    [
        new(BrokerId, "N", "stable identity of this node, 0 and up (default 1)"),
        new(Hostname, "H", "address to bind and advertise (default 127.0.0.1)"),
        new(Port, "P", "Akka.Remote port (default 4053)"),
        new(HttpPort, "Q", "HTTP API port (default 8080)"),
        new(KafkaPort, "K", "Kafka protocol port, 0 turns it off (default 9092)"),
        new(SeedNodes, "a:p,b:p", "Akka seed nodes, the same list on every node (default: this node)"),
        new(DataDir, "DIR", "this node's own storage (default ./data/broker-N)"),
        new(Storage, "sqlite|postgres", "journal backend (default sqlite)"),
        new(ConnectionString, "S", "PostgreSQL connection string, required with --storage postgres"),
        new(Config, "FILE", "extra HOCON layered over the hocon/ defaults"),
    ];

    /// <summary>Option names without the leading dashes, in the order of the contract table.</summary>
    public static IReadOnlyList<string> OptionNames { get; } = Specs.Select(s => s.Name).ToArray();

    /// <summary><c>http-port</c> → <c>CLUSTER_HTTP_PORT</c>.</summary>
    public static string EnvironmentVariableFor(string optionName) =>
        EnvironmentPrefix + optionName.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    public static string Usage { get; } = BuildUsage();

    /// <summary>The <c>CLUSTER_*</c> variables of this process, for <see cref="Parse(string[], IReadOnlyDictionary{string, string?})"/>.</summary>
    public static IReadOnlyDictionary<string, string?> ReadProcessEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
                result[key] = entry.Value as string;
        }
        return result;
    }

    /// <summary>Parses against the process's current directory (relative paths and the default data dir).</summary>
    public static ParseResult Parse(string[] args, IReadOnlyDictionary<string, string?> environment) =>
        Parse(args, environment, Directory.GetCurrentDirectory());

    public static ParseResult Parse(string[] args, IReadOnlyDictionary<string, string?> environment, string currentDirectory)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrEmpty(currentDirectory);

        if (args.Any(a => a is "--help" or "-h"))
            return ParseResult.Help;

        try
        {
            var given = ReadCommandLine(args);
            AddEnvironment(given, environment);
            return Build(given, Path.GetFullPath(currentDirectory));
        }
        catch (OptionException e)
        {
            return ParseResult.Failure(e.Message);
        }
    }

    /// <summary>A value and where it came from (<c>--port</c> or <c>CLUSTER_PORT</c>), for error messages.</summary>
    private readonly record struct Given(string Value, string Source);

    private sealed class OptionException(string message) : Exception(message);

    private static Dictionary<string, Given> ReadCommandLine(string[] args)
    {
        var given = new Dictionary<string, Given>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var token = args[i];
            if (!token.StartsWith('-') || token == "-")
                throw new OptionException(
                    $"unexpected argument {Quote(token)}: options are written --name value or --name=value");

            var equals = token.StartsWith("--", StringComparison.Ordinal) ? token.IndexOf('=') : -1;
            var name = equals >= 0 ? token[2..equals] : token.TrimStart('-');
            var spec = token.StartsWith("--", StringComparison.Ordinal) ? Find(name) : null;
            if (spec is null)
                throw new OptionException(UnknownOption(equals >= 0 ? token[..equals] : token));

            string value;
            if (equals >= 0)
            {
                value = token[(equals + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new OptionException($"{spec.Flag} needs a value ({spec.Flag} {spec.ValueName})");
            }

            value = value.Trim();
            if (value.Length == 0)
                throw new OptionException($"{spec.Flag} needs a value ({spec.Flag} {spec.ValueName})");

            if (given.TryGetValue(spec.Name, out var earlier))
                throw new OptionException(
                    $"{spec.Flag} is given twice ({Quote(earlier.Value)} and {Quote(value)}); give it once");

            given[spec.Name] = new Given(value, spec.Flag);
        }
        return given;
    }

    private static void AddEnvironment(Dictionary<string, Given> given, IReadOnlyDictionary<string, string?> environment)
    {
        foreach (var spec in Specs)
        {
            if (given.ContainsKey(spec.Name))
                continue; // the command line wins
            if (environment.TryGetValue(spec.EnvironmentVariable, out var value) && !string.IsNullOrWhiteSpace(value))
                given[spec.Name] = new Given(value.Trim(), spec.EnvironmentVariable);
        }
    }

    private static ParseResult Build(Dictionary<string, Given> given, string currentDirectory)
    {
        var warnings = new List<string>();

        var brokerId = given.TryGetValue(BrokerId, out var b)
            ? ParseInt(b, 0, int.MaxValue, "a valid broker id", "")
            : NodeOptions.DefaultBrokerId;
        var hostname = given.TryGetValue(Hostname, out var h)
            ? ParseHost(h.Value, h.Source, h.Value)
            : NodeOptions.DefaultHostname;
        var port = given.TryGetValue(Port, out var p)
            ? ParseInt(p, 1, 65535, "a valid port", "")
            : NodeOptions.DefaultPort;
        var httpPort = given.TryGetValue(HttpPort, out var q)
            ? ParseInt(q, 1, 65535, "a valid port", "")
            : NodeOptions.DefaultHttpPort;
        var kafkaPort = given.TryGetValue(KafkaPort, out var k)
            ? ParseInt(k, 0, 65535, "a valid port", "; 0 turns the Kafka listener off")
            : NodeOptions.DefaultKafkaPort;
        var seedNodes = given.TryGetValue(SeedNodes, out var s)
            ? ParseSeedNodes(s)
            : [new SeedNode(hostname, port)];
        var dataDir = given.TryGetValue(DataDir, out var d)
            ? ParseDataDir(d, currentDirectory)
            : NodeOptions.DefaultDataDir(brokerId, currentDirectory);
        var storage = given.TryGetValue(Storage, out var st)
            ? ParseStorage(st)
            : NodeOptions.DefaultStorage;
        var configFile = given.TryGetValue(Config, out var c)
            ? ParseConfigFile(c, currentDirectory)
            : null;

        string? connectionString = null;
        if (given.TryGetValue(ConnectionString, out var cs))
        {
            if (storage == StorageBackend.Postgres)
            {
                connectionString = cs.Value;
            }
            else
            {
                // Friendlier than an error (a CLUSTER_CONNECTION_STRING set for a whole
                // environment should not stop a SQLite node), but not silent: a forgotten
                // --storage postgres would otherwise put the data somewhere unexpected.
                var why = given.TryGetValue(Storage, out var chosen) ? "from " + chosen.Source : "the default";
                warnings.Add($"{cs.Source} is ignored: storage is sqlite ({why}); " +
                             "give --storage postgres to use PostgreSQL");
            }
        }
        else if (storage == StorageBackend.Postgres)
        {
            throw new OptionException(
                $"{Show(given[Storage].Source, "postgres")} needs a connection string: give --connection-string " +
                $"or {EnvironmentVariableFor(ConnectionString)}");
        }

        CheckDistinctPorts(given, port, httpPort, kafkaPort);

        var options = new NodeOptions
        {
            BrokerId = brokerId,
            Hostname = hostname,
            Port = port,
            HttpPort = httpPort,
            KafkaPort = kafkaPort,
            SeedNodes = seedNodes,
            DataDir = dataDir,
            Storage = storage,
            ConnectionString = connectionString,
            ConfigFile = configFile,
        };
        return ParseResult.Success(options, warnings);
    }

    private static int ParseInt(Given given, int min, int max, string what, string note)
    {
        if (int.TryParse(given.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
            return value;
        throw new OptionException(
            $"{given.Source}: {Quote(given.Value)} is not {what} (expected an integer from {min} to {max}{note})");
    }

    /// <summary>
    /// Host names and IPv4 addresses as they are; IPv6 addresses with or without brackets,
    /// kept without. The wildcard addresses are refused: every node advertises this host to
    /// the others, and nobody can connect to 0.0.0.0 (Kafka refuses it in advertised.listeners too).
    /// </summary>
    private static string ParseHost(string host, string source, string shownValue)
    {
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        var bare = bracketed ? host[1..^1] : host;

        bool valid;
        if (bare.Contains(':'))
            valid = IPAddress.TryParse(bare, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        else
            valid = !bracketed && bare.Length is > 0 and <= 253
                    && bare.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.' or '_')
                    && !bare.StartsWith('.') && !bare.StartsWith('-');
        if (!valid)
            throw new OptionException($"{source}: {Quote(shownValue)} is not a host name or IP address");

        if (IPAddress.TryParse(bare, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
            throw new OptionException(
                $"{source}: {Quote(shownValue)} cannot be advertised to other nodes; give an address they can reach");
        return bare;
    }

    private static IReadOnlyList<SeedNode> ParseSeedNodes(Given given)
    {
        const string example = "expected host:port,host:port, e.g. 10.0.0.1:4053,10.0.0.2:4053";
        var seeds = new List<SeedNode>();
        // Empty entries (a trailing comma from a generated list) carry nothing and are skipped.
        foreach (var raw in given.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw.Contains("://", StringComparison.Ordinal))
                throw new OptionException(
                    $"{given.Source}: {Quote(raw)} is an address, not host:port ({example})");

            int colon;
            if (raw.StartsWith('['))
            {
                var close = raw.IndexOf(']');
                colon = close > 0 && close + 1 < raw.Length && raw[close + 1] == ':' ? close + 1 : -1;
            }
            else
            {
                colon = raw.LastIndexOf(':');
                if (colon > 0 && raw.IndexOf(':') != colon)
                    throw new OptionException(
                        $"{given.Source}: {Quote(raw)} is not host:port (write an IPv6 address in brackets: [::1]:4053)");
            }
            if (colon <= 0 || colon == raw.Length - 1)
                throw new OptionException($"{given.Source}: {Quote(raw)} is not host:port ({example})");

            var host = ParseHost(raw[..colon], given.Source, raw);
            var portText = raw[(colon + 1)..];
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                throw new OptionException(
                    $"{given.Source}: {Quote(raw)} has no valid port (expected an integer from 1 to 65535 after the colon)");

            var seed = new SeedNode(host, port);
            if (!seeds.Any(x => x.Port == port && string.Equals(x.Host, host, StringComparison.OrdinalIgnoreCase)))
                seeds.Add(seed);
        }

        if (seeds.Count == 0)
            throw new OptionException($"{given.Source}: {Quote(given.Value)} names no seed node ({example})");
        return seeds;
    }

    private static string ParseDataDir(Given given, string currentDirectory)
    {
        var path = FullPath(given, currentDirectory);
        if (File.Exists(path))
            throw new OptionException($"{given.Source}: {Quote(given.Value)} is a file, not a directory");
        return path;
    }

    private static StorageBackend ParseStorage(Given given) =>
        given.Value.ToLowerInvariant() switch
        {
            "sqlite" => StorageBackend.Sqlite,
            "postgres" or "postgresql" => StorageBackend.Postgres,
            _ => throw new OptionException(
                $"{given.Source}: {Quote(given.Value)} is not a storage backend (expected sqlite or postgres)"),
        };

    private static string ParseConfigFile(Given given, string currentDirectory)
    {
        var path = FullPath(given, currentDirectory);
        var shown = path == given.Value ? Quote(given.Value) : $"{Quote(given.Value)} ({Quote(path)})";
        if (Directory.Exists(path))
            throw new OptionException($"{given.Source}: {shown} is a directory, not a HOCON file");
        if (!File.Exists(path))
            throw new OptionException($"{given.Source}: file {shown} does not exist");
        return path;
    }

    private static string FullPath(Given given, string currentDirectory)
    {
        try
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(given.Value, currentDirectory));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OptionException($"{given.Source}: {Quote(given.Value)} is not a valid path");
        }
    }

    /// <summary>Akka.Remote, the HTTP API and the Kafka listener all bind --hostname: one port each.</summary>
    private static void CheckDistinctPorts(Dictionary<string, Given> given, int port, int httpPort, int kafkaPort)
    {
        (string Name, int Value)[] ports = kafkaPort == 0
            ? [(Port, port), (HttpPort, httpPort)]
            : [(Port, port), (HttpPort, httpPort), (KafkaPort, kafkaPort)];
        for (var i = 0; i < ports.Length; i++)
        for (var j = i + 1; j < ports.Length; j++)
        {
            if (ports[i].Value == ports[j].Value)
                throw new OptionException(
                    $"{SourceOf(given, ports[i].Name)} and {SourceOf(given, ports[j].Name)} are both {ports[i].Value}; " +
                    "each listener needs its own port");
        }
    }

    /// <summary><c>--storage postgres</c> or <c>CLUSTER_STORAGE=postgres</c>, as the user wrote it.</summary>
    private static string Show(string source, string value) =>
        source.StartsWith("--", StringComparison.Ordinal) ? $"{source} {value}" : $"{source}={value}";

    private static string SourceOf(Dictionary<string, Given> given, string name) =>
        given.TryGetValue(name, out var g) ? g.Source : $"--{name} (default)";

    private static OptionSpec? Find(string name) => Specs.FirstOrDefault(s => s.Name == name);

    private static string UnknownOption(string token)
    {
        // --http_port, --HTTP-PORT, -port: say which option was probably meant.
        var normalized = token.TrimStart('-').Replace('_', '-').ToLowerInvariant();
        var guess = Find(normalized);
        return guess is null
            ? $"unknown option {Quote(token)} (see --help)"
            : $"unknown option {Quote(token)} (did you mean {guess.Flag}?)";
    }

    /// <summary>Quotes a user's value for an error line: control characters are escaped so the line stays one line.</summary>
    private static string Quote(string value)
    {
        const int maxLength = 120;
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var ch in value.Length > maxLength ? value[..maxLength] : value)
        {
            if (char.IsControl(ch))
                text.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
            else
                text.Append(ch);
        }
        if (value.Length > maxLength)
            text.Append('…');
        return text.Append('\'').ToString();
    }

    private static string BuildUsage()
    {
        var lines = new StringBuilder();
        lines.AppendLine("Usage: dotnet run --project src/Cluster.Node -- [options]");
        lines.AppendLine();
        lines.AppendLine("Starts one broker. Without options: broker 1, a one-node cluster on 127.0.0.1,");
        lines.AppendLine("storing its data with SQLite in ./data/broker-1.");
        lines.AppendLine();
        lines.AppendLine("Options (--name value or --name=value; each also read from the environment");
        lines.AppendLine("variable shown, the command line winning):");
        var left = Specs.Select(s => $"{s.Flag} {s.ValueName}").ToArray();
        var width = left.Max(l => l.Length) + 2;
        var envWidth = Specs.Max(s => s.EnvironmentVariable.Length) + 2;
        for (var i = 0; i < Specs.Length; i++)
            lines.Append("  ").Append(left[i].PadRight(width))
                .Append(Specs[i].EnvironmentVariable.PadRight(envWidth))
                .AppendLine(Specs[i].Description);
        lines.Append("  ").Append("-h, --help".PadRight(width + envWidth)).AppendLine("show this help");
        lines.AppendLine();
        lines.AppendLine("Give every node the same --seed-nodes list (host:port of their Akka.Remote).");
        lines.Append("A bad option prints one line on stderr and exits with code 2.");
        return lines.ToString();
    }
}
