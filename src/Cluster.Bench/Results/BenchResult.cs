using System.Text.Json;
using System.Text.Json.Serialization;
using Cluster.Bench.Baseline;
using Cluster.Bench.Nodes;
using Cluster.Bench.Stats;

namespace Cluster.Bench.Results;

public sealed record MachineInfo(int Cores, double MemoryGb, string CpuModel, double[] LoadAverageAtStart, double[]? LoadAverageAtEnd)
{
    public static MachineInfo Now() => new(Environment.ProcessorCount, ProcStatus.MemoryGb(), ProcStatus.CpuModel(), ProcStatus.LoadAverage(), null);
}

/// <summary>The workload one run used (what was asked, so a result file stands alone).</summary>
public sealed record WorkloadInfo(
    string Topic, int Nodes, int Partitions, int ReplicationFactor, int? MinInsyncReplicas, string Acks,
    int RecordSize, int RecordsPerRequest, int Producers, int InFlight, int Consumers, double TargetRate,
    double WarmupSeconds, double DurationSeconds, string Routing);

public sealed record ProduceFigures(
    long Records, long Requests, long FailedRequests, double RecordsPerSec, double MbPerSec, LatencySummary LatencyMs,
    IReadOnlyDictionary<string, long> Errors);

public sealed record ConsumeFigures(long Records, double RecordsPerSec, double MbPerSec, LatencySummary? EndToEndLatencyMs);

public sealed record NodeFigures(int BrokerId, int? Pid, double PeakRssMb, double RssMb, double CpuSeconds, double CpuPercentOfMachine);

/// <param name="NodesCpuMicrosPerRecord">CPU of all nodes together per record acknowledged in the window: the product's cost, whatever else loads the machine.</param>
public sealed record CpuFigures(double ToolCpuSeconds, double ToolPercentOfMachine, double MachineBusyPercent, double NodesPercentOfMachine,
    double NodesCpuMicrosPerRecord = 0);

/// <summary>One measured run (a workload, or a scenario's own measurement).</summary>
public sealed record RunResult
{
    public required string Name { get; init; }
    public required WorkloadInfo Workload { get; init; }
    public ProduceFigures? Produce { get; init; }
    public ConsumeFigures? Consume { get; init; }
    public BaselineResult? Baseline { get; init; }
    /// <summary>Product records/s divided by the baseline's records/s measured in the same run.</summary>
    public double? RatioToBaseline { get; init; }
    public CpuFigures? Cpu { get; init; }
    public IReadOnlyList<NodeFigures> Nodes { get; init; } = [];
    public double[] LoadAverageAtStart { get; init; } = [];
    /// <summary>Figures only some scenarios have (failover times, restart times, catch-up memory), by name.</summary>
    public IReadOnlyDictionary<string, double> Extra { get; init; } = new Dictionary<string, double>();
    public IReadOnlyList<string> Notes { get; init; } = [];
    public string? Error { get; init; }
}

public sealed record BenchReport
{
    public string Tool { get; init; } = "cluster-bench";
    public int FormatVersion { get; init; } = 1;
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required string Command { get; init; }
    public required MachineInfo Machine { get; init; }
    public List<RunResult> Runs { get; init; } = new();

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static BenchReport FromJson(string json) => JsonSerializer.Deserialize<BenchReport>(json, JsonOptions)!;

    public void Write(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, ToJson());
    }
}
