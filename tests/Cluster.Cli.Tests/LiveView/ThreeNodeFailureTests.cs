using System.Text.Json;
using Cluster.Cli.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.LiveView;

/// <summary>
/// Three node processes, one killed: <c>cluster describe</c> reports the under-replicated and
/// offline partitions, and the live view highlights the lagging replica and the offline partition.
/// </summary>
public sealed class ThreeNodeFailureTests
{
    private static readonly TimeSpan IsrShrinkTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_killed_broker_shows_as_lagging_replicas_and_offline_partitions_in_the_cli_and_the_live_view()
    {
        HeadlessChromium.EnsureInstalled();
        // Generous: other test assemblies start their own nodes on the same (2-core) machine at the same time.
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "cli-three", timeout: TimeSpan.FromSeconds(120));
        var replicated = Topics.Unique("rf3");
        var single = Topics.Unique("rf1");
        await cluster.Broker(1).Http.CreateTopicAsync(replicated, partitions: 2, replicationFactor: 3);
        await cluster.Broker(1).Http.CreateTopicAsync(single, partitions: 3, replicationFactor: 1);

        // Kill the broker that holds partition 0 of the single-replica topic: that partition goes offline.
        var singleDescribed = await cluster.Broker(1).Http.GetAsync($"/v1/topics/{single}");
        var victim = singleDescribed["partitions"][0].GetProperty("replicas")[0].GetInt32();
        var survivor = cluster.Nodes.First(n => n.BrokerId != victim);
        cluster.Broker(victim).Kill();

        var server = string.Join(",", cluster.Nodes.Select(n => n.BaseAddress.ToString())); // the CLI fails over past the dead one
        JsonElement report = default;
        var deadline = DateTime.UtcNow + IsrShrinkTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var described = await CliRun.RunAsync(server, null, "cluster", "describe", "-o", "json");
            Assert.True(described.ExitCode == 0, described.ToString());
            report = described.Json;
            var under = report.GetProperty("underReplicatedPartitions").EnumerateArray().Count(p => p.GetProperty("topic").GetString() == replicated);
            var offline = report.GetProperty("offlinePartitions").EnumerateArray().Any(p =>
                p.GetProperty("topic").GetString() == single && p.GetProperty("partition").GetInt32() == 0);
            if (under == 2 && offline) break;
            await Task.Delay(500);
        }
        Assert.True(report.GetProperty("underReplicatedPartitions").EnumerateArray()
                .Count(p => p.GetProperty("topic").GetString() == replicated) == 2, report.ToString());
        var offlinePartition = report.GetProperty("offlinePartitions").EnumerateArray()
            .Single(p => p.GetProperty("topic").GetString() == single);
        Assert.Equal(-1, offlinePartition.GetProperty("leader").GetInt32());
        Assert.NotEqual("up", report.GetProperty("brokers").EnumerateArray()
            .Single(b => b.GetProperty("id").GetInt32() == victim).GetProperty("status").GetString());

        var table = await CliRun.RunAsync(survivor.BaseAddress.ToString(), null, "cluster", "describe");
        Assert.Contains("UNDER-REPLICATED PARTITIONS (", table.Out);
        Assert.Matches($@"(?m)^{single}\s+0\s+-1\s+\[{victim}\]", table.Out);

        var dom = await HeadlessChromium.DumpDomAsync(survivor.BaseAddress, virtualTimeBudgetMs: 10_000);
        Assert.Contains("data-loaded=\"true\"", dom);
        Assert.Matches($@"<tr[^>]*data-broker=""{victim}""[^>]*data-status=""(unreachable|down)""", dom);

        var replicatedSection = LiveViewBrowserTests.TopicSection(dom, replicated);
        var row = LiveViewBrowserTests.Row(replicatedSection, 0);
        Assert.Contains("under-replicated", LiveViewBrowserTests.Attribute(row, "class"));
        Assert.DoesNotContain(victim.ToString(), LiveViewBrowserTests.Attribute(row, "data-isr").Split(','));
        Assert.Matches($@"<span class=""replica lagging""[^>]*data-replica=""{victim}""", replicatedSection);
        Assert.Contains($"Under-replicated: {victim} lagging", replicatedSection);

        var singleSection = LiveViewBrowserTests.TopicSection(dom, single);
        var offlineRow = LiveViewBrowserTests.Row(singleSection, 0);
        Assert.Equal("offline", LiveViewBrowserTests.Attribute(offlineRow, "class"));
        Assert.Equal("-1", LiveViewBrowserTests.Attribute(offlineRow, "data-leader"));
        Assert.Contains("Offline: no leader", singleSection);

        var png = Path.Combine(Path.GetTempPath(), $"cluster-live-view-failure-{Guid.NewGuid():N}.png");
        try
        {
            await HeadlessChromium.ScreenshotAsync(survivor.BaseAddress, png, virtualTimeBudgetMs: 10_000);
            LiveViewBrowserTests.AssertPng(png, 1280, 900, minBytes: 20_000);
            var keep = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(keep);
            File.Copy(png, Path.Combine(keep, "live-view-broker-down.png"), overwrite: true);
        }
        finally
        {
            File.Delete(png);
        }
    }
}
