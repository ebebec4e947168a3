using System.Diagnostics;
using System.Globalization;
using Cluster.Bench.Nodes;
using Cluster.Bench.Results;
using Cluster.Bench.Stats;

namespace Cluster.Bench.Load;

/// <summary>What a scenario may add to a workload run.</summary>
public sealed record WorkloadHooks
{
    /// <summary>Only these partitions get produce requests (default: all).</summary>
    public int[]? ProducePartitions { get; init; }

    /// <summary>Runs beside the load once the measurement window opens (say, kill a leader).</summary>
    public Func<WorkloadContext, Task>? DuringRun { get; init; }

    /// <summary>Keep every request's outcome (RequestOutcome) in the state's timeline.</summary>
    public bool KeepTimeline { get; init; }

    /// <summary>The topic exists already (do not create it).</summary>
    public bool TopicExists { get; init; }
}

public sealed record WorkloadContext(WorkloadState State, ProduceRoutes Routes, TopicLayout Layout, BenchHttp Http, ClusterAdmin Admin);

/// <summary>
/// Runs one workload against servers: creates the topic, starts the producer and consumer
/// lanes, prints a progress line every second, and gathers the figures of the measurement
/// window (after the warmup).
/// </summary>
public sealed class WorkloadRunner
{
    private readonly BenchOptions _o;
    private readonly BenchHttp _http;
    private readonly IReadOnlyList<Uri> _servers;
    private readonly LocalCluster? _cluster;
    private readonly Action<string> _print;

    public WorkloadRunner(BenchOptions options, BenchHttp http, IReadOnlyList<Uri> servers, LocalCluster? cluster, Action<string> print)
    {
        _o = options;
        _http = http;
        _servers = servers;
        _cluster = cluster;
        _print = print;
    }

    public static string NewTopicName(string name) =>
        $"bench-{name}-{DateTime.UtcNow:HHmmss}-{Random.Shared.Next(1000):000}";

    public async Task<(RunResult Result, WorkloadState State)> RunAsync(string name, WorkloadHooks? hooks = null)
    {
        hooks ??= new WorkloadHooks();
        var o = _o;
        var loadAtStart = ProcStatus.LoadAverage();
        var topic = o.Topic ?? NewTopicName(name);
        var admin = new ClusterAdmin(_http, _servers);
        if (!hooks.TopicExists) await admin.CreateTopicAsync(topic, o.Partitions, o.ReplicationFactor, o.MinInsyncReplicas, TimeSpan.FromSeconds(60));
        var layout = await admin.WaitForLeadersAsync(topic, o.ReplicationFactor, TimeSpan.FromSeconds(60));
        var routes = new ProduceRoutes(o.Routing, layout, _servers, () => admin.DescribeAsync(topic));
        var startOffsets = o.Consumers > 0 ? await admin.HighWatermarksAsync(topic) : new long[layout.Partitions];

        var clock = new RunClock();
        var start = clock.NowMicros + 200_000;
        var measureStart = start + (long)o.Warmup.TotalMicroseconds;
        var measureEnd = measureStart + (long)o.Duration.TotalMicroseconds;
        var state = new WorkloadState(clock, measureStart, measureEnd, o.RecordsPerRequest, o.RecordSize);
        if (hooks.KeepTimeline) state.KeepTimeline();

        var bodies = ProduceBodies.Build(o.RecordsPerRequest, o.RecordSize, o.Acks, withPartition: o.Routing == Routing.Leader);
        var partitions = hooks.ProducePartitions ?? Enumerable.Range(0, layout.Partitions).ToArray();
        var requestRate = o.Rate > 0 ? o.Rate / o.RecordsPerRequest : 0;
        var producers = Enumerable.Range(0, o.Producers).Select(lane => new ProducerLane(lane, o.Producers, o.InFlight, state, _http, routes,
            bodies, requestRate > 0 ? new OpenLoopSchedule(requestRate, o.Producers, lane, start) : null, o.RequestTimeout, partitions)).ToList();

        using var drain = new CancellationTokenSource();
        using var stopConsumers = new CancellationTokenSource();
        var consumers = new List<ConsumerLane>();
        for (var c = 0; c < Math.Min(o.Consumers, layout.Partitions); c++)
        {
            var cursors = Enumerable.Range(0, layout.Partitions).Where(p => p % o.Consumers == c)
                .Select(p => new PartitionCursor(p, startOffsets[p])).ToList();
            consumers.Add(new ConsumerLane(state, _http, p => LeaderBase(routes, layout, p), topic, cursors, o.FetchMaxRecords, o.FetchMaxBytes,
                o.FetchWaitMs, measureLatency: true));
        }

        _print($"run {name}: topic {topic}, {layout.Partitions} partitions (leaders {string.Join(",", layout.Leaders)}), RF {o.ReplicationFactor}, acks {o.Acks}, " +
               $"{o.Producers} producers x {o.InFlight} in flight, {o.Consumers} consumers, " +
               (o.Rate > 0 ? $"{o.Rate:N0} records/s" : "max rate") + $", {o.RecordsPerRequest} x {o.RecordSize} B per request, " +
               $"warmup {o.Warmup.TotalSeconds:0.#} s, duration {o.Duration.TotalSeconds:0.#} s");

        using var stopProgress = new CancellationTokenSource();
        var progress = ProgressAsync(state, _print, stopProgress.Token);
        var consumerTasks = consumers.Select(c => Task.Run(() => c.RunAsync(drain.Token, stopConsumers.Token))).ToList();
        var windowTask = MeasureWindowAsync(clock, measureStart, measureEnd);
        var producerTasks = producers.Select(p => Task.Run(() => p.RunAsync(measureEnd, CancellationToken.None))).ToList();
        Task? during = null;
        if (hooks.DuringRun is { } hook)
            during = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromMicroseconds(Math.Max(0, measureStart - clock.NowMicros)));
                await hook(new WorkloadContext(state, routes, layout, _http, admin));
            });

        await Task.WhenAll(producerTasks);
        var window = await windowTask;
        drain.Cancel();
        stopConsumers.CancelAfter(TimeSpan.FromSeconds(15));
        await Task.WhenAll(consumerTasks);
        if (during is not null) await during;
        stopProgress.Cancel();
        await progress;

        var seconds = (measureEnd - measureStart) / 1e6;
        var produced = state.RecordsAcked;
        var mb = produced * (double)o.RecordSize / 1e6;
        var produce = new ProduceFigures(produced, state.RequestsAcked, state.RequestsFailed,
            Math.Round(produced / seconds), Math.Round(mb / seconds, 1), state.Produce.Total.Summary(0.001),
            new SortedDictionary<string, long>(state.Errors.ToDictionary(e => e.Key, e => e.Value)));
        ConsumeFigures? consume = o.Consumers > 0
            ? new ConsumeFigures(state.RecordsConsumed, Math.Round(state.RecordsConsumed / seconds),
                Math.Round(state.BytesConsumed / 1e6 / seconds, 1), state.EndToEnd.Total.Summary(0.001))
            : null;
        var cpuFigures = window.Cpu with
        {
            NodesCpuMicrosPerRecord = produced > 0 ? Math.Round(window.Nodes.Sum(n => n.CpuSeconds) * 1e6 / produced, 2) : 0,
        };
        var result = new RunResult
        {
            Name = name,
            Workload = Describe(o, topic, _cluster?.Nodes.Count ?? _servers.Count),
            Produce = produce,
            Consume = consume,
            Cpu = cpuFigures,
            Nodes = window.Nodes,
            LoadAverageAtStart = loadAtStart,
        };
        return (result, state);
    }

    private static Uri LeaderBase(ProduceRoutes routes, TopicLayout layout, int partition) =>
        new(routes.ProduceUri(partition), "/");

    public static WorkloadInfo Describe(BenchOptions o, string topic, int nodes) => new(
        topic, nodes, o.Partitions, o.ReplicationFactor, o.MinInsyncReplicas, o.Acks, o.RecordSize, o.RecordsPerRequest,
        o.Producers, o.InFlight, o.Consumers, o.Rate, o.Warmup.TotalSeconds, o.Duration.TotalSeconds,
        o.Routing.ToString().ToLowerInvariant());

    /// <summary>CPU of the tool, the machine and each node between the window's two ends.</summary>
    private async Task<(CpuFigures Cpu, IReadOnlyList<NodeFigures> Nodes)> MeasureWindowAsync(RunClock clock, long measureStart, long measureEnd)
    {
        await Task.Delay(TimeSpan.FromMicroseconds(Math.Max(0, measureStart - clock.NowMicros)));
        var meter = CpuMeter.Start();
        var nodesBefore = _cluster?.Nodes.Select(n => n.CpuTime()).ToArray() ?? [];
        await Task.Delay(TimeSpan.FromMicroseconds(Math.Max(0, measureEnd - clock.NowMicros)));
        var usage = meter.Stop();
        var nodes = new List<NodeFigures>();
        double nodesShare = 0;
        if (_cluster is not null)
        {
            for (var i = 0; i < _cluster.Nodes.Count; i++)
            {
                var node = _cluster.Nodes[i];
                var cpu = (node.CpuTime() - nodesBefore[i]).TotalSeconds;
                if (cpu < 0) cpu = 0; // restarted in the window
                var share = 100.0 * cpu / (usage.Seconds * Environment.ProcessorCount);
                nodesShare += share;
                var (peak, rss) = node.Memory();
                nodes.Add(new NodeFigures(node.BrokerId, node.Pid, Math.Round(peak, 1), Math.Round(rss, 1), Math.Round(cpu, 2), Math.Round(share, 1)));
            }
        }
        return (new CpuFigures(usage.ToolCpuSeconds, usage.ToolPercentOfMachine, usage.MachineBusyPercent, Math.Round(nodesShare, 1)), nodes);
    }

    public static async Task ProgressAsync(WorkloadState state, Action<string> print, CancellationToken stop)
    {
        var clock = state.Clock;
        var lastTool = Process.GetCurrentProcess().TotalProcessorTime;
        var lastMachine = ProcStatus.MachineCpu();
        var last = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = Stopwatch.GetTimestamp();
                var seconds = Stopwatch.GetElapsedTime(last, now).TotalSeconds;
                last = now;
                var (acked, consumed, failures) = state.TakeInterval();
                var produce = state.Produce.TakeInterval();
                var e2e = state.EndToEnd.TakeInterval();
                var tool = Process.GetCurrentProcess().TotalProcessorTime;
                var machine = ProcStatus.MachineCpu();
                var toolShare = 100.0 * (tool - lastTool).TotalSeconds / (seconds * Environment.ProcessorCount);
                var machineShare = machine.Total > lastMachine.Total ? 100.0 * (machine.Busy - lastMachine.Busy) / (machine.Total - lastMachine.Total) : 0;
                lastTool = tool;
                lastMachine = machine;
                var t = clock.NowMicros;
                var phase = t < state.MeasureStartMicros ? "warmup" : t < state.MeasureEndMicros ? "measure" : "drain";
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{t / 1e6,6:0.0}s {phase,-7} produce {acked / seconds,10:N0} rec/s {acked * (double)state.RecordSize / seconds / 1e6,6:0.0} MB/s " +
                    $"p50 {produce.ValueAtPercentile(50) / 1000.0,6:0.0} p99 {produce.ValueAtPercentile(99) / 1000.0,7:0.0} ms");
                if (consumed > 0 || e2e.TotalCount > 0)
                    line += string.Create(CultureInfo.InvariantCulture, $" | consume {consumed / seconds,10:N0} rec/s e2e p99 {e2e.ValueAtPercentile(99) / 1000.0,7:0.0} ms");
                line += string.Create(CultureInfo.InvariantCulture,
                    $" | in flight {state.InFlight,3} errors {failures,3} | cpu tool {toolShare,3:0}% machine {machineShare,3:0}%");
                print(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
