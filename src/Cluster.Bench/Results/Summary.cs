using System.Globalization;
using System.Text;

namespace Cluster.Bench.Results;

/// <summary>The human forms of a report: one line per run, and a Markdown table for docs/benchmarks.md.</summary>
public static class Summary
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Line(RunResult r)
    {
        if (r.Error is not null) return $"RESULT {r.Name}: FAILED: {r.Error}";
        var sb = new StringBuilder($"RESULT {r.Name}:");
        if (r.Produce is { } p)
        {
            sb.Append(Inv, $" produce {p.RecordsPerSec:N0} records/s {p.MbPerSec:0.0} MB/s, latency ms p50 {p.LatencyMs.P50:0.0} p99 {p.LatencyMs.P99:0.0} p99.9 {p.LatencyMs.P999:0.0} max {p.LatencyMs.Max:0.0}");
            if (p.FailedRequests > 0) sb.Append(Inv, $", {p.FailedRequests} failed requests");
        }
        if (r.Consume is { } c)
        {
            sb.Append(Inv, $"; consume {c.RecordsPerSec:N0} records/s {c.MbPerSec:0.0} MB/s");
            if (c.EndToEndLatencyMs is { Count: > 0 } e)
                sb.Append(Inv, $", end-to-end ms p50 {e.P50:0.0} p99 {e.P99:0.0} p99.9 {e.P999:0.0} max {e.Max:0.0}");
        }
        if (r.Baseline is { } b)
            sb.Append(Inv, $"; raw storage {b.RecordsPerSec:N0} records/s {b.MbPerSec:0.0} MB/s, ratio {r.RatioToBaseline:0.00}");
        if (r.Cpu is { } cpu)
            sb.Append(Inv, $"; cpu tool {cpu.ToolPercentOfMachine:0}% nodes {cpu.NodesPercentOfMachine:0}% machine {cpu.MachineBusyPercent:0}%, nodes {cpu.NodesCpuMicrosPerRecord:0.00} us CPU per record");
        if (r.Nodes.Count > 0) sb.Append(Inv, $"; peak RSS {string.Join("/", r.Nodes.Select(n => n.PeakRssMb.ToString("0", Inv)))} MB");
        foreach (var (k, v) in r.Extra) sb.Append(Inv, $"; {k} {v}");
        sb.Append(Inv, $" (load {string.Join(" ", r.LoadAverageAtStart.Select(l => l.ToString("0.00", Inv)))})");
        return sb.ToString();
    }

    public static string Markdown(BenchReport report)
    {
        var sb = new StringBuilder();
        var m = report.Machine;
        var endLoad = m.LoadAverageAtEnd is { } end ? ", at end " + string.Join(" ", end.Select(l => l.ToString("0.00", Inv))) : "";
        sb.AppendLine(string.Create(Inv, $"Run {report.StartedAt:yyyy-MM-dd HH:mm} UTC on {m.Cores} cores ({m.CpuModel}), {m.MemoryGb:0} GB; ") +
                      "load average at start " + string.Join(" ", m.LoadAverageAtStart.Select(l => l.ToString("0.00", Inv))) + endLoad + ".");
        sb.AppendLine();
        sb.AppendLine(Inv, $"    {report.Command}");
        sb.AppendLine();
        var measured = report.Runs.Where(r => r.Produce is not null || r.Error is not null).ToList();
        if (measured.Count > 0)
        {
            sb.AppendLine("| run | nodes | RF | acks | rate | records/s | MB/s | produce p50 / p99 / p99.9 / max ms | end-to-end p50 / p99 / p99.9 / max ms | raw storage records/s | ratio | CPU tool / nodes / machine | nodes' CPU µs per record | peak RSS MB | load 1m |");
            sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        }
        foreach (var r in measured)
        {
            var w = r.Workload;
            if (r.Error is not null)
            {
                sb.AppendLine(Inv, $"| {r.Name} | | | | | failed: {r.Error.Replace('|', '/')} | | | | | | | | | |");
                continue;
            }
            var p = r.Produce!;
            var e = r.Consume?.EndToEndLatencyMs is { Count: > 0 } l ? Lat(l) : "";
            sb.AppendLine(Inv,
                $"| {r.Name} | {w.Nodes} | {w.ReplicationFactor} | {w.Acks}{(w.MinInsyncReplicas is { } mi ? $" (min.insync {mi})" : "")} | {(w.TargetRate > 0 ? w.TargetRate.ToString("N0", Inv) : "max")} " +
                $"| {p.RecordsPerSec:N0} | {p.MbPerSec:0.0} | {Lat(p.LatencyMs)} | {e} | {(r.Baseline is { } b ? b.RecordsPerSec.ToString("N0", Inv) : "")} " +
                $"| {(r.RatioToBaseline is { } ratio ? ratio.ToString("0.00", Inv) : "")} " +
                $"| {(r.Cpu is { } c ? $"{c.ToolPercentOfMachine:0}% / {c.NodesPercentOfMachine:0}% / {c.MachineBusyPercent:0}%" : "")} " +
                $"| {(r.Cpu is { NodesCpuMicrosPerRecord: > 0 } c2 ? c2.NodesCpuMicrosPerRecord.ToString("0.00", Inv) : "")} " +
                $"| {string.Join(" / ", r.Nodes.Select(n => n.PeakRssMb.ToString("0", Inv)))} | {(r.LoadAverageAtStart.Length > 0 ? r.LoadAverageAtStart[0].ToString("0.00", Inv) : "")} |");
        }
        var others = report.Runs.Where(r => r.Extra.Count > 0).ToList();
        if (others.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| run | figure | value |");
            sb.AppendLine("| --- | --- | --- |");
            foreach (var r in others)
                foreach (var (k, v) in r.Extra)
                    sb.AppendLine(Inv, $"| {r.Name} | {k} | {v.ToString("0.###", Inv)} |");
        }
        return sb.ToString();
    }

    private static string Lat(Stats.LatencySummary l) =>
        string.Create(Inv, $"{l.P50:0.0} / {l.P99:0.0} / {l.P999:0.0} / {l.Max:0.0}");
}
