using System.Globalization;
using Cluster.Bench.Load;
using Cluster.Bench.Nodes;
using Cluster.Bench.Results;
using Cluster.Bench.Scenarios;

namespace Cluster.Bench;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        var parsed = BenchOptionsParser.Parse(args);
        if (parsed.Help)
        {
            Console.WriteLine(BenchOptionsParser.Usage);
            return 0;
        }
        if (parsed.Failed)
        {
            Console.Error.WriteLine($"error: {parsed.Error}");
            return 2;
        }
        var options = parsed.Options!;
        if (options.SinkPort is { } sinkPort)
        {
            await SinkServer.RunAsync(sinkPort);
            return 0;
        }
        try
        {
            return await RunAsync(options, args, Console.Out);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>One workload or a list of scenarios; writes the JSON report (and Markdown when asked). 0 when every run succeeded.</summary>
    public static async Task<int> RunAsync(BenchOptions options, IReadOnlyList<string> args, TextWriter output)
    {
        void Print(string line)
        {
            if (!options.Quiet || line.StartsWith("RESULT", StringComparison.Ordinal) || line.StartsWith("run ", StringComparison.Ordinal))
                lock (output) output.WriteLine(line);
        }

        var report = new BenchReport
        {
            StartedAt = DateTimeOffset.UtcNow,
            Command = "dotnet run -c Release --project src/Cluster.Bench -- " + string.Join(' ', args.Select(Quote)),
            Machine = MachineInfo.Now(),
        };
        var name = options.Scenarios.Count > 0 ? "scenarios" : "run";
        var output_ = options.Output ?? Path.Combine("bench-results", $"{name}-{report.StartedAt:yyyyMMdd-HHmmss}.json");
        void Save()
        {
            report.Write(output_);
            if (options.Markdown is { } md) File.WriteAllText(md, Summary.Markdown(report));
        }

        Print($"machine: {report.Machine.Cores} cores, {report.Machine.CpuModel}, {report.Machine.MemoryGb} GB, load average {string.Join(" ", report.Machine.LoadAverageAtStart)}");
        using var http = new BenchHttp();
        if (options.Scenarios.Count > 0)
        {
            if (options.Servers.Count > 0) throw new ArgumentException("scenarios start their own local clusters: leave --servers out");
            var suite = new ScenarioSuite(options, http, Print, report, Save);
            await suite.RunAsync(options.Scenarios);
        }
        else
        {
            var suite = new ScenarioSuite(options, http, Print, report, Save);
            await suite.WaitForQuietAsync();
            var baseline = options.Baseline ? await suite.RunBaselineAsync(options) : null;
            RunResult result;
            if (options.Servers.Count > 0)
            {
                var (r, _) = await new WorkloadRunner(options, http, options.Servers, null, Print).RunAsync("run");
                result = r;
            }
            else
            {
                await using var cluster = await LocalCluster.StartAsync(options.Nodes, LocalCluster.LocateNodeDll(options.NodeDll),
                    options.NodeConfig, http.Client, TimeSpan.FromSeconds(120), options.NodeEnvironment);
                Print($"local cluster: {string.Join(", ", cluster.Nodes.Select(n => $"broker {n.BrokerId} {n.BaseUri} pid {n.Pid}"))} (logs in {cluster.LogDirectory})");
                var (r, _) = await new WorkloadRunner(options, http, cluster.Servers, cluster, Print).RunAsync("run");
                result = r;
            }
            result = ScenarioSuite.WithBaseline(result, baseline);
            report.Runs.Add(result);
            Print(Summary.Line(result));
        }

        report = report with { FinishedAt = DateTimeOffset.UtcNow, Machine = report.Machine with { LoadAverageAtEnd = ProcStatus.LoadAverage() } };
        Save();
        Print($"results: {Path.GetFullPath(output_)}" + (options.Markdown is { } m ? $" and {Path.GetFullPath(m)}" : ""));
        return report.Runs.Any(r => r.Error is not null) ? 1 : 0;
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_=.,:/".Contains(c)) ? arg : $"'{arg}'";
}
