using System.Text.Json;
using Cluster.Bench.Baseline;
using Cluster.Bench.Load;
using Cluster.Bench.Results;
using Cluster.Bench.Scenarios;
using Cluster.Bench.Stats;

namespace Cluster.Bench.Tests;

public class ResultJsonTests
{
    private static BenchReport Sample()
    {
        var workload = WorkloadRunner.Describe(new BenchOptions { Nodes = 3, ReplicationFactor = 3, MinInsyncReplicas = 2 }, "t", 3);
        var run = new RunResult
        {
            Name = "rf3-acksall",
            Workload = workload,
            Produce = new ProduceFigures(1_000_000, 1000, 2, 100_000, 10, new LatencySummary(1000, 1, 2, 3, 4, 1.5),
                new Dictionary<string, long> { ["503 NOT_ENOUGH_REPLICAS"] = 2 }),
            Consume = new ConsumeFigures(999_000, 99_900, 10, new LatencySummary(999, 2, 3, 4, 5, 2.5)),
            Cpu = new CpuFigures(1.5, 7.5, 99, 90),
            Nodes = [new NodeFigures(1, 123, 300, 250, 10, 30)],
            LoadAverageAtStart = [0.5, 1, 2],
            Extra = new Dictionary<string, double> { ["firstAckOfWriteSentAfterKillSeconds"] = 2.5 },
        };
        run = ScenarioSuite.WithBaseline(run, new BaselineResult(10, 1000, 1_000_000, 200_000, 20, 100, new LatencySummary(1, 1, 1, 1, 1, 1), 50, 8, 3, "sqlite"));
        return new BenchReport
        {
            StartedAt = DateTimeOffset.Parse("2026-11-25T12:00:00Z"),
            Command = "dotnet run -c Release --project src/Cluster.Bench -- --scenario all",
            Machine = new MachineInfo(2, 23.5, "Xeon", [0.1, 0.2, 0.3], [0.4, 0.5, 0.6]),
            Runs = [run],
        };
    }

    [Fact]
    public void The_report_has_the_documented_fields_in_camel_case()
    {
        using var doc = JsonDocument.Parse(Sample().ToJson());
        var root = doc.RootElement;
        Assert.Equal("cluster-bench", root.GetProperty("tool").GetString());
        Assert.Equal(2, root.GetProperty("machine").GetProperty("cores").GetInt32());
        Assert.Equal(3, root.GetProperty("machine").GetProperty("loadAverageAtStart").GetArrayLength());
        var run = root.GetProperty("runs")[0];
        Assert.Equal("rf3-acksall", run.GetProperty("name").GetString());
        Assert.Equal("all", run.GetProperty("workload").GetProperty("acks").GetString());
        var produce = run.GetProperty("produce");
        Assert.Equal(100_000, produce.GetProperty("recordsPerSec").GetDouble());
        Assert.Equal(10, produce.GetProperty("mbPerSec").GetDouble());
        foreach (var p in new[] { "p50", "p99", "p999", "max", "mean", "count" })
            Assert.True(produce.GetProperty("latencyMs").TryGetProperty(p, out _), p);
        Assert.Equal(2, produce.GetProperty("errors").GetProperty("503 NOT_ENOUGH_REPLICAS").GetInt64());
        Assert.Equal(3, run.GetProperty("consume").GetProperty("endToEndLatencyMs").GetProperty("p99").GetDouble());
        Assert.Equal(200_000, run.GetProperty("baseline").GetProperty("recordsPerSec").GetDouble());
        Assert.Equal(0.5, run.GetProperty("ratioToBaseline").GetDouble());
        Assert.Equal(7.5, run.GetProperty("cpu").GetProperty("toolPercentOfMachine").GetDouble());
        Assert.Equal(300, run.GetProperty("nodes")[0].GetProperty("peakRssMb").GetDouble());
        Assert.Equal(2.5, run.GetProperty("extra").GetProperty("firstAckOfWriteSentAfterKillSeconds").GetDouble());
    }

    [Fact]
    public void A_report_reads_back_as_written()
    {
        var report = Sample();
        var back = BenchReport.FromJson(report.ToJson());
        Assert.Equal(report.Runs[0].Produce!.RecordsPerSec, back.Runs[0].Produce!.RecordsPerSec);
        Assert.Equal(report.Runs[0].RatioToBaseline, back.Runs[0].RatioToBaseline);
        Assert.Equal(report.Command, back.Command);
    }

    [Fact]
    public void The_markdown_has_a_row_per_run_and_the_extra_figures()
    {
        var md = Summary.Markdown(Sample());
        Assert.Contains("| rf3-acksall | 3 | 3 | all (min.insync 2) | max | 100,000 | 10.0 | 1.0 / 2.0 / 3.0 / 4.0 |", md);
        Assert.Contains("| 200,000 | 0.50 |", md);
        Assert.Contains("| rf3-acksall | firstAckOfWriteSentAfterKillSeconds | 2.5 |", md);
        Assert.Contains("load average at start 0.10 0.20 0.30, at end 0.40 0.50 0.60", md);
        Assert.Contains("RESULT rf3-acksall: produce 100,000 records/s", Summary.Line(Sample().Runs[0]));
    }

    [Fact]
    public void Runs_without_produce_figures_have_only_the_figures_table()
    {
        var report = Sample();
        var restart = new RunResult
        {
            Name = "restart", Workload = report.Runs[0].Workload, Extra = new Dictionary<string, double> { ["afterSigkill.healthSeconds"] = 3.2 },
        };
        var md = Summary.Markdown(report with { Runs = [restart] });
        Assert.DoesNotContain("| run | nodes |", md);
        Assert.Contains("| restart | afterSigkill.healthSeconds | 3.2 |", md);
    }

    [Fact]
    public void Failover_figures_come_from_the_request_timeline()
    {
        const long kill = 10_000_000;
        var timeline = new[]
        {
            new RequestOutcome(9_000_000, 9_000_000, 9_500_000, 0, true, null), // before the kill: ignored
            new RequestOutcome(9_900_000, 9_900_000, 10_100_000, 0, true, null), // sent before, acked after
            new RequestOutcome(10_050_000, 10_050_000, 11_000_000, 0, false, "504 REQUEST_TIMED_OUT"),
            new RequestOutcome(10_200_000, 10_200_000, 12_500_000, 0, true, null), // first one sent after: 2.5 s
            new RequestOutcome(12_400_000, 12_400_000, 12_600_000, 0, true, null),
        };
        var f = FailoverFigures.From(timeline, kill);
        Assert.Equal(2.5, f.FirstAckOfWriteSentAfterKillSeconds);
        Assert.Equal(0.1, f.FirstAckAfterKillSeconds);
        Assert.Equal(2.4, f.LongestAckGapSeconds);
        Assert.Equal(1, f.FailedAfterKill);
        Assert.Equal(3, f.AckedAfterKill);
    }

    [Fact]
    public void Failover_figures_without_any_ack_after_the_kill_are_absent()
    {
        var f = FailoverFigures.From([new RequestOutcome(1, 1, 5, 0, false, "x")], 2);
        Assert.Null(f.FirstAckOfWriteSentAfterKillSeconds);
        Assert.DoesNotContain("firstAckOfWriteSentAfterKillSeconds", f.ToExtra(1, 2).Keys);
    }
}
