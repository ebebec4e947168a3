using System.Diagnostics;
using Cluster.Bench.Load;
using Cluster.Bench.Nodes;
using Cluster.Bench.Results;

namespace Cluster.Bench.Scenarios;

public sealed partial class ScenarioSuite
{
    /// <summary>
    /// Issue 4's "time for a wiped follower to rejoin the ISR per million records": 3 nodes, one
    /// partition with RF 3, --rejoin-records written at acks=all; SIGKILL of a follower (not the
    /// controller's node when there is a choice), its data dir deleted; once the ISR has dropped it,
    /// it starts again on the empty dir, and the time from its start to its return to the ISR
    /// (GET /v1/topics/{t}, asked of the other nodes) is the figure.
    /// </summary>
    private async Task<RunResult> RejoinAsync()
    {
        await WaitForQuietAsync();
        var o = _o with { Partitions = 1, ReplicationFactor = 3, MinInsyncReplicas = 2, Acks = "all", Rate = 0, Consumers = 0 };
        await using var cluster = await StartClusterAsync(3);
        var (topic, layout, loadAtStart, write, ends) = await PrefillAsync("rejoin", cluster, o, _o.RejoinRecords);
        var stored = ends[0];

        var victim = cluster.Nodes.Where(n => n.BrokerId != layout.Leaders[0]).OrderBy(n => n.BrokerId == layout.Controller).First();
        var others = new ClusterAdmin(_http, cluster.Nodes.Where(n => n != victim).Select(n => n.BaseUri).ToArray());
        victim.Kill();
        Directory.Delete(victim.DataDir, recursive: true);
        Directory.CreateDirectory(victim.DataDir);
        _print($"rejoin: SIGKILL of follower broker {victim.BrokerId} (leader {layout.Leaders[0]}, controller {layout.Controller}), data dir deleted");
        await WaitForIsrAsync(others, topic, isr => !isr.Contains(victim.BrokerId), TimeSpan.FromMinutes(2), "the ISR without the wiped follower");

        victim.Start();
        var started = victim.StartedAtTimestamp;
        await victim.WaitHealthyAsync(_http.Client, TimeSpan.FromMinutes(5));
        var healthy = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var bound = TimeSpan.FromMinutes(5 + 5 * stored / 1e6);
        await WaitForIsrAsync(others, topic, isr => isr.Contains(victim.BrokerId), bound, "the wiped follower back in the ISR");
        var figures = new RejoinFigures(stored, healthy, Stopwatch.GetElapsedTime(started).TotalSeconds);
        var (peak, _) = victim.Memory();
        _print($"rejoin: broker {victim.BrokerId} healthy after {healthy:0.00} s, back in the ISR after {figures.InIsrSeconds:0.00} s " +
               $"({figures.SecondsPerMillionRecords:0.00} s per million records), peak RSS {peak:0} MB");
        var extra = figures.ToExtra();
        extra["writeRecordsPerSec"] = Math.Round(stored / write.Seconds);
        extra["victimBroker"] = victim.BrokerId;
        extra["victimPeakRssMb"] = Math.Round(peak, 1);
        return new RunResult
        {
            Name = "rejoin",
            Workload = WorkloadRunner.Describe(o, topic, 3),
            LoadAverageAtStart = loadAtStart,
            Extra = extra,
            Notes = ["time from the wiped follower's process start; in the ISR = GET /v1/topics/{t} of another node lists it"],
        };
    }

    private static async Task WaitForIsrAsync(ClusterAdmin admin, string topic, Func<int[], bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await admin.IsrAsync(topic) is [var isr, ..] && condition(isr)) return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0} s");
            await Task.Delay(100);
        }
    }
}

/// <summary>What the rejoin scenario measured: seconds from the wiped follower's start.</summary>
public sealed record RejoinFigures(long Records, double HealthySeconds, double InIsrSeconds)
{
    public double SecondsPerMillionRecords => Records > 0 ? InIsrSeconds * 1e6 / Records : 0;

    /// <summary>Records copied per second from the start of the process (startup included).</summary>
    public double CatchUpRecordsPerSec => InIsrSeconds > 0 ? Records / InIsrSeconds : 0;

    public Dictionary<string, double> ToExtra() => new()
    {
        ["recordsStored"] = Records,
        ["healthSeconds"] = Math.Round(HealthySeconds, 2),
        ["inIsrSeconds"] = Math.Round(InIsrSeconds, 2),
        ["inIsrSecondsPerMillionRecords"] = Math.Round(SecondsPerMillionRecords, 2),
        ["catchUpRecordsPerSec"] = Math.Round(CatchUpRecordsPerSec),
    };
}
