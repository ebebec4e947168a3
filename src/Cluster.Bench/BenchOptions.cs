using System.Globalization;

namespace Cluster.Bench;

public enum Routing
{
    /// <summary>Each request names one partition and goes to that partition's leader (what a Kafka client does).</summary>
    Leader,

    /// <summary>Records without a partition, requests spread over the servers; the nodes route (sticky partition per request).</summary>
    Any,
}

/// <summary>Everything one invocation of the tool was asked to do.</summary>
public sealed record BenchOptions
{
    // ---- the cluster
    /// <summary>Running nodes to drive (base URLs); empty: start a local cluster of <see cref="Nodes"/> processes.</summary>
    public IReadOnlyList<Uri> Servers { get; init; } = [];
    public int Nodes { get; init; } = 1;
    public string? NodeDll { get; init; }
    /// <summary>HOCON file passed to every node the tool starts (--config), and layered over the baseline's journal settings.</summary>
    public string? NodeConfig { get; init; }
    /// <summary>Environment variables for the nodes the tool starts (runtime knobs such as DOTNET_GCgen0size, for experiments).</summary>
    public IReadOnlyDictionary<string, string> NodeEnvironment { get; init; } = new Dictionary<string, string>();

    // ---- the topic
    public string? Topic { get; init; }
    public int Partitions { get; init; } = 3;
    public int ReplicationFactor { get; init; } = 1;
    public int? MinInsyncReplicas { get; init; }

    // ---- the workload
    public string Acks { get; init; } = "all";
    public int RecordSize { get; init; } = 100;
    public int RecordsPerRequest { get; init; } = 1000;
    public int Producers { get; init; } = 4;
    public int InFlight { get; init; } = 2;
    public int Consumers { get; init; }
    public int FetchMaxRecords { get; init; } = 10_000;
    public int FetchMaxBytes { get; init; } = 4 * 1024 * 1024;
    public int FetchWaitMs { get; init; } = 500;
    /// <summary>Records per second, all producers together; 0: as fast as the in-flight limit allows.</summary>
    public double Rate { get; init; }
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public Routing Routing { get; init; } = Routing.Leader;

    // ---- the raw-storage baseline
    public bool Baseline { get; init; } = true;
    public TimeSpan? BaselineDuration { get; init; }

    // ---- scenarios and output
    /// <summary>Named scenarios to run instead of one workload ("all" = every one).</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = [];
    /// <summary>Records the catch-up and restart scenarios store first.</summary>
    public long CatchupRecords { get; init; } = 10_000_000;
    public int CatchupFetchers { get; init; } = 4;
    /// <summary>Records the rejoin scenario writes before it wipes a follower.</summary>
    public long RejoinRecords { get; init; } = 1_000_000;
    public string? Output { get; init; }
    public string? Markdown { get; init; }
    /// <summary>Wait (up to this long) for the 1-minute load average to fall below <see cref="MaxLoad"/> before measuring.</summary>
    public double MaxLoad { get; init; }
    public TimeSpan MaxLoadWait { get; init; } = TimeSpan.FromMinutes(10);
    public bool Quiet { get; init; }

    /// <summary>The sink mode: a trivial HTTP endpoint on this port, to measure the tool alone.</summary>
    public int? SinkPort { get; init; }

    public TimeSpan EffectiveBaselineDuration => BaselineDuration ?? TimeSpan.FromSeconds(Math.Min(Duration.TotalSeconds, 15));
    public long TotalBytesPerRequest => (long)RecordSize * RecordsPerRequest;
}

public sealed record ParsedOptions(BenchOptions? Options, string? Error, bool Help)
{
    public bool Failed => Error is not null;
}

public static class BenchOptionsParser
{
    public const string Usage = """
        Cluster.Bench: a producer/consumer benchmark of the HTTP API, with a raw-storage baseline.

          dotnet run -c Release --project src/Cluster.Bench -- [options]

        Cluster (default: start 1 local node process):
          --nodes N                  start a local cluster of N nodes (Release node dll, temp data, free ports)
          --servers URL[,URL...]     drive running nodes instead, e.g. http://127.0.0.1:8081,http://127.0.0.1:8082
          --config FILE              HOCON for the nodes the tool starts (also layered over the baseline's journal)
          --node-dll PATH            the node to start (default: src/Cluster.Node/bin/<config>/net10.0/Cluster.Node.dll)
          --node-env NAME=VALUE      an environment variable for the nodes it starts (repeatable)
        Topic:
          --topic NAME               default: a new topic per run
          --partitions N             3
          --replication-factor N     1
          --min-insync-replicas N    topic default (1)
        Workload:
          --record-size BYTES        100 (the value; its first 16 bytes carry the send time)
          --records-per-request N    1000
          --acks 0|1|all             all
          --producers N              4 concurrent producer loops
          --in-flight N              2 requests in flight per producer
          --consumers N              0 long-polling fetch loops (end-to-end latency)
          --rate RECORDS_PER_SEC     0 = max; else open loop: latency counts from the intended send time
          --warmup DURATION          5s (sent, not measured)
          --duration DURATION        30s
          --routing leader|any       leader: each request to its partition's leader; any: nodes route
          --request-timeout DURATION 30s
          --fetch-max-records N      10000
          --fetch-max-bytes N        4194304
          --fetch-wait-ms N          500
        Baseline:
          --baseline on|off          on: the same batches straight into Akka.Persistence.Sql on SQLite first
          --baseline-duration DUR    min(duration, 15s)
        Scenarios and output:
          --scenario NAME[,NAME]     all | single-acks1 | rf3-acks1 | rf3-acksall | latency | catchup | restart | failover | rejoin | tool
          --catchup-records N        10000000 (catchup and restart scenarios)
          --catchup-fetchers N       4
          --rejoin-records N         1000000 (rejoin scenario: written before a follower is wiped)
          --max-load L               wait (at most --max-load-wait, 10m) until the 1-minute load average is below L
          --out FILE                 JSON results (default bench-results/<name>-<time>.json)
          --markdown FILE            also write the results as a Markdown table
          --quiet                    no progress lines
          --sink PORT                run a trivial HTTP endpoint (to measure the tool alone) until Ctrl-C
        Durations: 30, 30s, 500ms, 2m.
        """;

    public static ParsedOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        var nodesGiven = false;
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                var arg = args[i];
                string name, value = "";
                var eq = arg.IndexOf('=');
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
                {
                    name = arg[..eq];
                    value = arg[(eq + 1)..];
                }
                else
                {
                    name = arg;
                    if (name is "--help" or "-h") return new ParsedOptions(null, null, true);
                    if (name == "--quiet")
                    {
                        o = o with { Quiet = true };
                        continue;
                    }
                    if (!name.StartsWith("--", StringComparison.Ordinal)) return Fail($"unexpected argument '{arg}'");
                    if (i + 1 >= args.Count) return Fail($"{name} needs a value");
                    value = args[++i];
                }

                switch (name)
                {
                    case "--servers":
                        o = o with { Servers = ParseServers(value) };
                        break;
                    case "--nodes":
                        o = o with { Nodes = Int(name, value, 1, 9) };
                        nodesGiven = true;
                        break;
                    case "--node-dll": o = o with { NodeDll = value }; break;
                    case "--config": o = o with { NodeConfig = value }; break;
                    case "--node-env":
                        var at = value.IndexOf('=');
                        if (at <= 0) throw new FormatException($"--node-env must be NAME=VALUE, not '{value}'");
                        o = o with { NodeEnvironment = new Dictionary<string, string>(o.NodeEnvironment) { [value[..at]] = value[(at + 1)..] } };
                        break;
                    case "--topic": o = o with { Topic = value }; break;
                    case "--partitions": o = o with { Partitions = Int(name, value, 1, 10_000) }; break;
                    case "--replication-factor": o = o with { ReplicationFactor = Int(name, value, 1, 9) }; break;
                    case "--min-insync-replicas": o = o with { MinInsyncReplicas = Int(name, value, 1, 9) }; break;
                    case "--acks": o = o with { Acks = ParseAcks(value) }; break;
                    case "--record-size": o = o with { RecordSize = Int(name, value, 1, 1 << 20) }; break;
                    case "--records-per-request": o = o with { RecordsPerRequest = Int(name, value, 1, 1_000_000) }; break;
                    case "--producers": o = o with { Producers = Int(name, value, 0, 4096) }; break;
                    case "--in-flight": o = o with { InFlight = Int(name, value, 1, 1024) }; break;
                    case "--consumers": o = o with { Consumers = Int(name, value, 0, 4096) }; break;
                    case "--fetch-max-records": o = o with { FetchMaxRecords = Int(name, value, 1, int.MaxValue) }; break;
                    case "--fetch-max-bytes": o = o with { FetchMaxBytes = Int(name, value, 1, int.MaxValue) }; break;
                    case "--fetch-wait-ms": o = o with { FetchWaitMs = Int(name, value, 0, 30_000) }; break;
                    case "--rate": o = o with { Rate = Double(name, value, 0) }; break;
                    case "--warmup": o = o with { Warmup = ParseDuration(name, value) }; break;
                    case "--duration": o = o with { Duration = ParseDuration(name, value) }; break;
                    case "--request-timeout": o = o with { RequestTimeout = ParseDuration(name, value) }; break;
                    case "--routing":
                        o = o with
                        {
                            Routing = value.ToLowerInvariant() switch
                            {
                                "leader" => Routing.Leader,
                                "any" => Routing.Any,
                                _ => throw new FormatException($"--routing must be leader or any, not '{value}'"),
                            },
                        };
                        break;
                    case "--baseline": o = o with { Baseline = OnOff(name, value) }; break;
                    case "--baseline-duration": o = o with { BaselineDuration = ParseDuration(name, value) }; break;
                    case "--scenario":
                        o = o with { Scenarios = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                        break;
                    case "--catchup-records": o = o with { CatchupRecords = Long(name, value, 1, long.MaxValue) }; break;
                    case "--catchup-fetchers": o = o with { CatchupFetchers = Int(name, value, 1, 256) }; break;
                    case "--rejoin-records": o = o with { RejoinRecords = Long(name, value, 1, long.MaxValue) }; break;
                    case "--max-load": o = o with { MaxLoad = Double(name, value, 0) }; break;
                    case "--max-load-wait": o = o with { MaxLoadWait = ParseDuration(name, value) }; break;
                    case "--out": o = o with { Output = value }; break;
                    case "--markdown": o = o with { Markdown = value }; break;
                    case "--sink": o = o with { SinkPort = Int(name, value, 1, 65535) }; break;
                    default: return Fail($"unknown option '{name}' (--help lists them)");
                }
            }
        }
        catch (FormatException e)
        {
            return Fail(e.Message);
        }

        if (o.Servers.Count > 0 && nodesGiven) return Fail("--servers and --nodes exclude each other");
        if (o.ReplicationFactor > o.Nodes && o.Servers.Count == 0 && o.Scenarios.Count == 0)
            return Fail($"--replication-factor {o.ReplicationFactor} needs at least as many --nodes (got {o.Nodes})");
        if (o.Consumers > 0 && o.RecordSize < Load.ProduceBodies.StampLength)
            return Fail($"end-to-end latency needs --record-size of at least {Load.ProduceBodies.StampLength} (the send time travels in the value)");
        if (o.Duration <= TimeSpan.Zero) return Fail("--duration must be positive");
        foreach (var s in o.Scenarios)
            if (!Cluster.Bench.Scenarios.ScenarioSuite.Names.Contains(s) && s != "all")
                return Fail($"unknown scenario '{s}': all, {string.Join(", ", Cluster.Bench.Scenarios.ScenarioSuite.Names)}");
        return new ParsedOptions(o, null, false);
    }

    /// <summary>30, 30s, 500ms, 2m, 1.5s.</summary>
    public static TimeSpan ParseDuration(string name, string value)
    {
        var v = value.Trim().ToLowerInvariant();
        double scale = 1000;
        if (v.EndsWith("ms", StringComparison.Ordinal))
        {
            scale = 1;
            v = v[..^2];
        }
        else if (v.EndsWith('s'))
        {
            v = v[..^1];
        }
        else if (v.EndsWith('m'))
        {
            scale = 60_000;
            v = v[..^1];
        }
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || double.IsInfinity(n))
            throw new FormatException($"{name} must be a duration such as 30s, 500ms or 2m, not '{value}'");
        return TimeSpan.FromMilliseconds(n * scale);
    }

    private static IReadOnlyList<Uri> ParseServers(string value)
    {
        var list = new List<Uri>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var text = part.Contains("://", StringComparison.Ordinal) ? part : "http://" + part;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new FormatException($"--servers has '{part}', which is not an http URL");
            list.Add(uri);
        }
        if (list.Count == 0) throw new FormatException("--servers needs at least one URL");
        return list;
    }

    private static string ParseAcks(string value) => value.ToLowerInvariant() switch
    {
        "0" => "0",
        "1" => "1",
        "all" or "-1" => "all",
        _ => throw new FormatException($"--acks must be 0, 1 or all, not '{value}'"),
    };

    private static bool OnOff(string name, string value) => value.ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" => true,
        "off" or "false" or "no" or "0" => false,
        _ => throw new FormatException($"{name} must be on or off, not '{value}'"),
    };

    private static int Int(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new FormatException($"{name} must be an integer from {min} to {max}, not '{value}'");
        return n;
    }

    private static long Long(string name, string value, long min, long max)
    {
        var v = value.Replace("_", "", StringComparison.Ordinal);
        if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new FormatException($"{name} must be an integer from {min} to {max}, not '{value}'");
        return n;
    }

    private static double Double(string name, string value, double min)
    {
        if (!double.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            || n < min || double.IsNaN(n) || double.IsInfinity(n))
            throw new FormatException($"{name} must be a number of at least {min}, not '{value}'");
        return n;
    }

    private static ParsedOptions Fail(string error) => new(null, error, false);
}
