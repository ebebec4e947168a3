using System.Diagnostics;
using System.Globalization;
using System.Net;
using Cluster.Bench.Baseline;
using Cluster.Bench.Load;
using Cluster.Bench.Nodes;
using Cluster.Bench.Results;
using Cluster.Bench.Stats;

namespace Cluster.Bench.Scenarios;

/// <summary>
/// The published scenarios (docs/benchmarks.md), each on a fresh local cluster:
/// single-acks1, rf3-acks1, rf3-acksall (throughput with the raw-storage baseline beside it),
/// latency (acks=all at a fixed 20,000 records/s), catchup (write N records, read them from
/// offset 0), restart (a node holding them: time to healthy and to its first fetch),
/// failover (SIGKILL of a partition leader under acks=all load, with and without the
/// controller on the victim), rejoin (a wiped follower catching up and back in the ISR),
/// tool (the load generator alone against a trivial endpoint).
/// Options given on the command line (duration, warmup, producers, partitions, record
/// size, records per request...) apply; each scenario fixes its topology, acks and rate.
/// </summary>
public sealed partial class ScenarioSuite
{
    public static readonly IReadOnlyList<string> Names =
        ["single-acks1", "rf3-acks1", "rf3-acksall", "latency", "catchup", "restart", "failover", "rejoin", "tool"];

    private readonly BenchOptions _o;
    private readonly BenchHttp _http;
    private readonly Action<string> _print;
    private readonly BenchReport _report;
    private readonly Action _save;

    public ScenarioSuite(BenchOptions options, BenchHttp http, Action<string> print, BenchReport report, Action save)
    {
        _o = options;
        _http = http;
        _print = print;
        _report = report;
        _save = save;
    }

    public static IReadOnlyList<string> Expand(IReadOnlyList<string> names) =>
        names.Contains("all") ? Names : Names.Where(names.Contains).ToList();

    public async Task RunAsync(IReadOnlyList<string> names)
    {
        var wanted = Expand(names);
        var catchupDone = false;
        foreach (var name in wanted)
        {
            if (name == "restart" && catchupDone) continue; // ran with catchup on the same node
            _print($"==== scenario {name}");
            try
            {
                switch (name)
                {
                    case "single-acks1":
                        Add(await ThroughputAsync(name, _o with { Acks = "1", ReplicationFactor = 1, MinInsyncReplicas = null }, nodes: 1));
                        break;
                    case "rf3-acks1":
                        Add(await ThroughputAsync(name, _o with { Acks = "1", ReplicationFactor = 3, MinInsyncReplicas = null }, nodes: 3));
                        break;
                    case "rf3-acksall":
                        Add(await ThroughputAsync(name, _o with { Acks = "all", ReplicationFactor = 3, MinInsyncReplicas = 2 }, nodes: 3));
                        break;
                    case "latency":
                        Add(await ThroughputAsync(name, _o with
                        {
                            Acks = "all", ReplicationFactor = 3, MinInsyncReplicas = 2, Rate = _o.Rate > 0 ? _o.Rate : 20_000,
                            Consumers = Math.Max(_o.Consumers, _o.Partitions), Duration = Max(_o.Duration, TimeSpan.FromSeconds(60)),
                        }, nodes: 3, baseline: false));
                        break;
                    case "catchup":
                        foreach (var r in await CatchupAndRestartAsync(restart: wanted.Contains("restart"))) Add(r);
                        catchupDone = true;
                        break;
                    case "restart":
                        foreach (var r in await CatchupAndRestartAsync(restart: true, catchup: false)) Add(r);
                        break;
                    case "failover":
                        foreach (var r in await FailoverAsync()) Add(r);
                        break;
                    case "rejoin":
                        Add(await RejoinAsync());
                        break;
                    case "tool":
                        Add(await ToolAloneAsync());
                        break;
                }
            }
            catch (Exception e)
            {
                _print($"scenario {name} failed: {e}");
                Add(new RunResult { Name = name, Workload = WorkloadRunner.Describe(_o, "", 0), Error = e.Message, LoadAverageAtStart = ProcStatus.LoadAverage() });
            }
        }
    }

    private void Add(RunResult result)
    {
        _report.Runs.Add(result);
        _print(Summary.Line(result));
        _save();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private string NodeDll => LocalCluster.LocateNodeDll(_o.NodeDll);

    private Task<LocalCluster> StartClusterAsync(int nodes) =>
        LocalCluster.StartAsync(nodes, NodeDll, _o.NodeConfig, _http.Client, TimeSpan.FromSeconds(120), _o.NodeEnvironment);

    /// <summary>Waits (at most --max-load-wait) for the 1-minute load average to fall below --max-load.</summary>
    public async Task WaitForQuietAsync()
    {
        if (_o.MaxLoad <= 0) return;
        var deadline = DateTime.UtcNow + _o.MaxLoadWait;
        while (true)
        {
            var load = ProcStatus.LoadAverage()[0];
            if (load <= _o.MaxLoad) return;
            if (DateTime.UtcNow > deadline)
            {
                _print($"load average {load:0.00} still above {_o.MaxLoad:0.00} after {_o.MaxLoadWait.TotalMinutes:0} min: measuring anyway");
                return;
            }
            _print($"load average {load:0.00} above {_o.MaxLoad:0.00}: waiting");
            await Task.Delay(TimeSpan.FromSeconds(15));
        }
    }

    // ------------------------------------------------------------------ throughput and latency

    public async Task<RunResult> ThroughputAsync(string name, BenchOptions o, int nodes, bool baseline = true)
    {
        await WaitForQuietAsync();
        BaselineResult? b = null;
        if (baseline && o.Baseline) b = await RunBaselineAsync(o);
        await using var cluster = await StartClusterAsync(nodes);
        var runner = new WorkloadRunner(o, _http, cluster.Servers, cluster, _print);
        var (result, _) = await runner.RunAsync(name);
        return WithBaseline(result with { Workload = result.Workload with { Nodes = nodes } }, b);
    }

    public Task<BaselineResult> RunBaselineAsync(BenchOptions o)
    {
        _print($"raw-storage baseline: {o.Partitions} persistent actors, {o.Producers * o.InFlight} writers, " +
               $"{o.RecordsPerRequest} x {o.RecordSize} B per event, {o.EffectiveBaselineDuration.TotalSeconds:0} s");
        return RawStorageBaseline.RunAsync(o.Partitions, o.Producers * o.InFlight, o.RecordsPerRequest, o.RecordSize,
            o.EffectiveBaselineDuration, o.NodeConfig, _print);
    }

    public static RunResult WithBaseline(RunResult result, BaselineResult? baseline) => baseline is null
        ? result
        : result with
        {
            Baseline = baseline,
            RatioToBaseline = result.Produce is { } p && baseline.RecordsPerSec > 0 ? Math.Round(p.RecordsPerSec / baseline.RecordsPerSec, 3) : null,
        };

    // ------------------------------------------------------------------ catch-up read and restart

    private async Task<List<RunResult>> CatchupAndRestartAsync(bool restart, bool catchup = true)
    {
        await WaitForQuietAsync();
        var results = new List<RunResult>();
        var o = _o with
        {
            Partitions = _o.CatchupFetchers, ReplicationFactor = 1, MinInsyncReplicas = null, Acks = "1", Rate = 0, Consumers = 0,
        };
        await using var cluster = await StartClusterAsync(1);
        var node = cluster.Nodes[0];
        var (topic, layout, loadAtStart, write, ends) = await PrefillAsync("catchup", cluster, o, _o.CatchupRecords);
        var stored = ends.Sum();
        var (peakAfterWrite, _) = node.Memory();
        _print($"catchup: node peak RSS {peakAfterWrite:0} MB");

        if (catchup)
        {
            var nodeCpuBefore = node.CpuTime();
            var read = await ReadAsync(o, layout, cluster.Servers, ends, _o.CatchupFetchers);
            var nodeCpu = (node.CpuTime() - nodeCpuBefore).TotalSeconds;
            var nodeShare = Math.Round(100 * nodeCpu / (read.Seconds * Environment.ProcessorCount), 1);
            var (peakAfterRead, rssAfterRead) = node.Memory();
            _print($"catchup: read {read.Records:N0} records in {read.Seconds:0.0} s ({read.Records / read.Seconds:N0} records/s); node peak RSS {peakAfterRead:0} MB");
            results.Add(new RunResult
            {
                Name = "catchup",
                Workload = WorkloadRunner.Describe(o with { Consumers = _o.CatchupFetchers }, topic, 1),
                Consume = new ConsumeFigures(read.Records, Math.Round(read.Records / read.Seconds), Math.Round(read.Bytes / 1e6 / read.Seconds, 1), null),
                Cpu = read.Cpu with
                {
                    NodesPercentOfMachine = nodeShare,
                    NodesCpuMicrosPerRecord = read.Records > 0 ? Math.Round(nodeCpu * 1e6 / read.Records, 2) : 0,
                },
                Nodes = [new NodeFigures(1, node.Pid, Math.Round(peakAfterRead, 1), Math.Round(rssAfterRead, 1), Math.Round(nodeCpu, 2), nodeShare)],
                LoadAverageAtStart = loadAtStart,
                Extra = new Dictionary<string, double>
                {
                    ["recordsStored"] = stored,
                    ["writeSeconds"] = Math.Round(write.Seconds, 2),
                    ["writeRecordsPerSec"] = Math.Round(stored / write.Seconds),
                    ["readSeconds"] = Math.Round(read.Seconds, 2),
                    ["readRecordsPerSec"] = Math.Round(read.Records / read.Seconds),
                    ["readMbPerSec"] = Math.Round(read.Bytes / 1e6 / read.Seconds, 1),
                    ["fetchers"] = _o.CatchupFetchers,
                    ["peakRssAfterWriteMb"] = Math.Round(peakAfterWrite, 1),
                    ["peakRssAfterReadMb"] = Math.Round(peakAfterRead, 1),
                },
            });
        }

        if (restart)
        {
            var extra = new Dictionary<string, double> { ["recordsStored"] = stored };
            foreach (var kill in new[] { true, false })
            {
                var how = kill ? "afterSigkill" : "afterSigterm";
                if (kill) node.Kill();
                else await node.StopAsync(TimeSpan.FromSeconds(60));
                node.Start();
                var started = node.StartedAtTimestamp;
                await node.WaitHealthyAsync(_http.Client, TimeSpan.FromMinutes(5));
                var healthy = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var first = await FirstFetchAsync(node.BaseUri, topic, 0, started);
                var all = first;
                for (var p = 1; p < o.Partitions; p++) all = Math.Max(all, await FirstFetchAsync(node.BaseUri, topic, p, started));
                var (peak, _) = node.Memory();
                _print($"restart {how}: healthy after {healthy:0.00} s, first fetch after {first:0.00} s, every partition after {all:0.00} s, peak RSS {peak:0} MB");
                extra[$"{how}.healthSeconds"] = Math.Round(healthy, 2);
                extra[$"{how}.firstFetchSeconds"] = Math.Round(first, 2);
                extra[$"{how}.allPartitionsFetchSeconds"] = Math.Round(all, 2);
                extra[$"{how}.peakRssMb"] = Math.Round(peak, 1);
            }
            results.Add(new RunResult
            {
                Name = "restart",
                Workload = WorkloadRunner.Describe(o, topic, 1),
                LoadAverageAtStart = loadAtStart,
                Extra = extra,
                Notes = ["time from process start; first fetch = offset 0 of partition 0 answered 200 with records"],
            });
        }
        return results;
    }

    private sealed record Prefill(string Topic, TopicLayout Layout, double[] LoadAtStart, WriteResult Write, long[] Ends);

    /// <summary>A new topic shaped by <paramref name="o"/> on the cluster, with <paramref name="records"/> written to it as fast as it takes them.</summary>
    private async Task<Prefill> PrefillAsync(string name, LocalCluster cluster, BenchOptions o, long records)
    {
        var admin = new ClusterAdmin(_http, cluster.Servers);
        var topic = WorkloadRunner.NewTopicName(name);
        await admin.CreateTopicAsync(topic, o.Partitions, o.ReplicationFactor, o.MinInsyncReplicas, TimeSpan.FromSeconds(60));
        var layout = await admin.WaitForLeadersAsync(topic, o.ReplicationFactor, TimeSpan.FromSeconds(90));
        var loadAtStart = ProcStatus.LoadAverage();
        var requests = (records + o.RecordsPerRequest - 1) / o.RecordsPerRequest;
        _print($"{name}: writing {requests * o.RecordsPerRequest:N0} records to {topic} ({o.Partitions} partitions, RF {o.ReplicationFactor}, acks={o.Acks})");
        var write = await WriteAsync(o, layout, cluster.Servers, requests);
        var ends = await admin.HighWatermarksAsync(topic);
        _print($"{name}: wrote {ends.Sum():N0} records in {write.Seconds:0.0} s ({ends.Sum() / write.Seconds:N0} records/s)");
        return new Prefill(topic, layout, loadAtStart, write, ends);
    }

    /// <summary>Seconds from <paramref name="started"/> until a fetch at offset 0 of the partition answers with records.</summary>
    private async Task<double> FirstFetchAsync(Uri server, string topic, int partition, long started)
    {
        var uri = new Uri(server, $"/v1/topics/{topic}/partitions/{partition}/records?offset=0&maxRecords=1");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                using var response = await _http.Client.GetAsync(uri, cts.Token);
                var body = await response.Content.ReadAsStringAsync(cts.Token);
                if (response.StatusCode == HttpStatusCode.OK && body.Contains("\"offset\":0", StringComparison.Ordinal))
                    return Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no successful fetch of {topic}-{partition} within 5 min");
            await Task.Delay(20);
        }
    }

    private sealed record WriteResult(double Seconds, WorkloadState State);

    private async Task<WriteResult> WriteAsync(BenchOptions o, TopicLayout layout, IReadOnlyList<Uri> servers, long requests)
    {
        var clock = new RunClock();
        var state = new WorkloadState(clock, 0, long.MaxValue, o.RecordsPerRequest, o.RecordSize);
        var admin = new ClusterAdmin(_http, servers);
        var routes = new ProduceRoutes(o.Routing, layout, servers, () => admin.DescribeAsync(layout.Topic));
        var bodies = ProduceBodies.Build(o.RecordsPerRequest, o.RecordSize, o.Acks, o.Routing == Routing.Leader);
        var budget = new SendBudget(requests);
        var partitions = Enumerable.Range(0, layout.Partitions).ToArray();
        using var stop = new CancellationTokenSource();
        var progress = WorkloadRunner.ProgressAsync(state, _print, stop.Token);
        var lanes = Enumerable.Range(0, o.Producers).Select(lane => new ProducerLane(lane, o.Producers, o.InFlight, state, _http, routes, bodies,
            null, o.RequestTimeout, partitions, budget)).ToList();
        await Task.WhenAll(lanes.Select(l => Task.Run(() => l.RunAsync(long.MaxValue, CancellationToken.None))));
        var seconds = clock.NowMicros / 1e6;
        stop.Cancel();
        await progress;
        if (state.RequestsFailed > 0)
            _print($"catchup: {state.RequestsFailed} produce requests failed ({string.Join(", ", state.Errors.Select(e => $"{e.Key} x{e.Value}"))})");
        return new WriteResult(seconds, state);
    }

    private sealed record ReadResult(double Seconds, long Records, long Bytes, CpuFigures Cpu);

    private async Task<ReadResult> ReadAsync(BenchOptions o, TopicLayout layout, IReadOnlyList<Uri> servers, long[] ends, int fetchers)
    {
        var clock = new RunClock();
        var state = new WorkloadState(clock, 0, long.MaxValue, o.RecordsPerRequest, o.RecordSize);
        var admin = new ClusterAdmin(_http, servers);
        var routes = new ProduceRoutes(Routing.Leader, layout, servers, () => admin.DescribeAsync(layout.Topic));
        var lanes = new List<ConsumerLane>();
        for (var f = 0; f < fetchers; f++)
        {
            var cursors = Enumerable.Range(0, layout.Partitions).Where(p => p % fetchers == f).Select(p => new PartitionCursor(p, 0, ends[p])).ToList();
            if (cursors.Count == 0) continue;
            lanes.Add(new ConsumerLane(state, _http, p => new Uri(routes.ProduceUri(p), "/"), layout.Topic, cursors, o.FetchMaxRecords,
                o.FetchMaxBytes, 0, measureLatency: false));
        }
        _print($"catchup: reading {ends.Sum():N0} records from offset 0 with {lanes.Count} fetchers (maxRecords {o.FetchMaxRecords}, maxBytes {o.FetchMaxBytes})");
        using var stop = new CancellationTokenSource();
        var progress = WorkloadRunner.ProgressAsync(state, _print, stop.Token);
        var meter = CpuMeter.Start();
        using var never = new CancellationTokenSource();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await Task.WhenAll(lanes.Select(l => Task.Run(() => l.RunAsync(never.Token, limit.Token))));
        var seconds = clock.NowMicros / 1e6;
        var usage = meter.Stop();
        stop.Cancel();
        await progress;
        return new ReadResult(seconds, state.RecordsConsumed, state.BytesConsumed,
            new CpuFigures(usage.ToolCpuSeconds, usage.ToolPercentOfMachine, usage.MachineBusyPercent, 0));
    }

    // ------------------------------------------------------------------ failover

    private async Task<List<RunResult>> FailoverAsync()
    {
        await WaitForQuietAsync();
        var results = new List<RunResult>();
        var o = _o with
        {
            Partitions = 3, ReplicationFactor = 3, MinInsyncReplicas = 2, Acks = "all",
            Rate = _o.Rate > 0 ? _o.Rate : 20_000, RecordsPerRequest = Math.Min(_o.RecordsPerRequest, 100),
            Producers = 2, InFlight = 256, Consumers = 0, Warmup = TimeSpan.FromSeconds(3), Duration = TimeSpan.FromSeconds(20),
            RequestTimeout = TimeSpan.FromSeconds(30), Routing = Routing.Leader,
        };
        await using var cluster = await StartClusterAsync(3);
        var admin = new ClusterAdmin(_http, cluster.Servers);
        foreach (var controllerIsVictim in new[] { false, true })
        {
            var name = controllerIsVictim ? "failover-controller-node" : "failover-other-node";
            var topic = WorkloadRunner.NewTopicName("failover");
            await admin.CreateTopicAsync(topic, o.Partitions, 3, 2, TimeSpan.FromSeconds(60));
            var layout = await admin.WaitForLeadersAsync(topic, 3, TimeSpan.FromSeconds(90));
            var controller = layout.Controller ?? throw new InvalidOperationException("no controller in /v1/cluster");
            var partition = Enumerable.Range(0, layout.Partitions).FirstOrDefault(p => (layout.Leaders[p] == controller) == controllerIsVictim, -1);
            if (partition < 0)
            {
                results.Add(new RunResult
                {
                    Name = name, Workload = WorkloadRunner.Describe(o, topic, 3), Error = $"no partition whose leader is {(controllerIsVictim ? "" : "not ")}the controller's node",
                });
                continue;
            }
            var victim = cluster.ByBrokerId(layout.Leaders[partition]);
            _print($"{name}: producing to {topic}-{partition} (leader broker {victim.BrokerId}, controller broker {controller}); SIGKILL of broker {victim.BrokerId} 3 s into the window");
            long killMicros = 0;
            var hooks = new WorkloadHooks
            {
                TopicExists = true,
                KeepTimeline = true,
                ProducePartitions = [partition],
                DuringRun = async ctx =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    killMicros = ctx.State.Clock.NowMicros;
                    victim.Kill();
                    // A client sees the connection die at once and turns to the other brokers.
                    ctx.Routes.Exclude(victim.BaseUri);
                    _print($"{name}: SIGKILL broker {victim.BrokerId} at {killMicros / 1e6:0.000} s");
                },
            };
            var runner = new WorkloadRunner(o with { Topic = topic }, _http, cluster.Servers, cluster, _print);
            var (result, state) = await runner.RunAsync(name, hooks);
            var f = FailoverFigures.From(state.Timeline, killMicros);
            _print($"{name}: first acknowledged write sent after the kill: {Fmt(f.FirstAckOfWriteSentAfterKillSeconds)} s after it; " +
                   $"first acknowledgement of any write: {Fmt(f.FirstAckAfterKillSeconds)} s; longest gap between acknowledgements {Fmt(f.LongestAckGapSeconds)} s; " +
                   $"{f.FailedAfterKill} requests failed");
            results.Add(result with
            {
                Extra = f.ToExtra(victim.BrokerId, controller),
                Notes = [$"SIGKILL of broker {victim.BrokerId}, leader of {topic}-{partition}; controller on broker {controller}"],
            });

            // Bring the victim back for the next case and let it rejoin every ISR.
            victim.Start();
            await victim.WaitHealthyAsync(_http.Client, TimeSpan.FromMinutes(2));
            await admin.WaitForLeadersAsync(topic, 3, TimeSpan.FromSeconds(90));
        }
        return results;
    }

    private static string Fmt(double? seconds) => seconds is { } s ? s.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";

    // ------------------------------------------------------------------ the tool alone

    private async Task<RunResult> ToolAloneAsync()
    {
        await WaitForQuietAsync();
        var port = LocalNode.FreePort();
        var self = typeof(ScenarioSuite).Assembly.Location;
        using var sink = Process.Start(new ProcessStartInfo(LocalNode.DotnetHost) { ArgumentList = { self, "--sink", port.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        try
        {
            var server = new Uri($"http://127.0.0.1:{port}/");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    using var r = await _http.Client.GetAsync(new Uri(server, "/v1/health"));
                    if (r.IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
            var o = _o with { Acks = "1", ReplicationFactor = 1, MinInsyncReplicas = null, Rate = 0, Consumers = 0, Duration = Min(_o.Duration, TimeSpan.FromSeconds(15)) };
            var sinkCpuBefore = sink.TotalProcessorTime;
            var runner = new WorkloadRunner(o, _http, [server], null, _print);
            var (result, _) = await runner.RunAsync("tool");
            sink.Refresh();
            var sinkCpu = (sink.TotalProcessorTime - sinkCpuBefore).TotalSeconds;
            var wall = o.Warmup.TotalSeconds + o.Duration.TotalSeconds;
            return result with
            {
                Extra = new Dictionary<string, double>
                {
                    ["sinkCpuPercentOfMachine"] = Math.Round(100 * sinkCpu / (wall * Environment.ProcessorCount), 1),
                    ["toolCpuMicrosPerRequest"] = result.Produce is { Requests: > 0 } p && result.Cpu is { } c
                        ? Math.Round(c.ToolCpuSeconds * 1e6 / p.Requests, 1) : 0,
                },
                Notes = ["the producers against a trivial HTTP endpoint (this tool's --sink) that reads each body and answers 200"],
            };
        }
        finally
        {
            try
            {
                sink.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>What a failover run's request timeline says about the kill.</summary>
public sealed record FailoverFigures(double? FirstAckOfWriteSentAfterKillSeconds, double? FirstAckAfterKillSeconds, double? LongestAckGapSeconds,
    long FailedAfterKill, long AckedAfterKill)
{
    public static FailoverFigures From(IEnumerable<RequestOutcome> timeline, long killMicros)
    {
        var after = timeline.Where(r => r.CompletedMicros >= killMicros).ToList();
        var sentAfter = after.Where(r => r.Ok && r.SentMicros >= killMicros).Select(r => (long?)r.CompletedMicros).Min();
        var anyAfter = after.Where(r => r.Ok).Select(r => (long?)r.CompletedMicros).Min();
        var acks = after.Where(r => r.Ok).Select(r => r.CompletedMicros).Order().ToList();
        long gap = 0;
        var previous = killMicros;
        foreach (var a in acks)
        {
            gap = Math.Max(gap, a - previous);
            previous = a;
        }
        return new FailoverFigures(
            sentAfter is { } s ? Math.Round((s - killMicros) / 1e6, 3) : null,
            anyAfter is { } a1 ? Math.Round((a1 - killMicros) / 1e6, 3) : null,
            acks.Count > 0 ? Math.Round(gap / 1e6, 3) : null,
            after.Count(r => !r.Ok), acks.Count);
    }

    public Dictionary<string, double> ToExtra(int victim, int controller)
    {
        var extra = new Dictionary<string, double>
        {
            ["victimBroker"] = victim,
            ["controllerBroker"] = controller,
            ["failedRequestsAfterKill"] = FailedAfterKill,
            ["ackedRequestsAfterKill"] = AckedAfterKill,
        };
        if (FirstAckOfWriteSentAfterKillSeconds is { } a) extra["firstAckOfWriteSentAfterKillSeconds"] = a;
        if (FirstAckAfterKillSeconds is { } b) extra["firstAckAfterKillSeconds"] = b;
        if (LongestAckGapSeconds is { } c) extra["longestAckGapSeconds"] = c;
        return extra;
    }
}
