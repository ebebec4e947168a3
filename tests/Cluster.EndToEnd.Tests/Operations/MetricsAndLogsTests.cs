using System.Diagnostics;
using System.Text.Json;
using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Replication;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.EndToEnd.Tests.Operations;

/// <summary>
/// Issue 10, items 1 and 4, on three real node processes: what GET /metrics says after a
/// produce and a fetch, an ISR shrink (a follower SIGKILLed) and expand (it comes back), and a
/// leader election (the leader SIGKILLed); and that the leader change is one structured log
/// line with broker id, topic-partition and leader epoch as fields (the nodes log JSON here).
/// </summary>
public sealed class MetricsAndLogsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;

    public MetricsAndLogsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Metrics_follow_produce_isr_changes_and_a_leader_election_and_the_leader_change_is_one_structured_line()
    {
        var clock = Stopwatch.StartNew();
        // The spec follows one leader through a follower's death and return. Under CI load a
        // heartbeat pause past the production 1.5 s once moved that leadership away and back (the
        // ISR expand was then counted on another broker): allow 5 s here, and no preferred-leader
        // moves within the spec.
        await using var cluster = await ClusterProcesses.StartAsync(3,
            o => o with
            {
                ExtraHocon = """
                    cluster-log.logging.format = json
                    akka.cluster.failure-detector.acceptable-heartbeat-pause = 5 s
                    cluster-log.controller.preferred-leader-check-interval = 600 s
                    """,
            }, name: "metrics");
        _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: three nodes up");
        var (topic, leader, controller) = await CreateTopicLedOutsideTheControllerAsync(cluster);
        var ofTopic = ("topic", topic);
        // A node slow to start may drop out of the ISR for a moment: begin once all is quiet.
        var before = await UntilAsync(cluster.Nodes,
            all => all.Values.All(s => s.Value("cluster_log_partition_log_end_offset", ofTopic) == 0) &&
                   all.Values.Sum(s => s.Sum("cluster_log_under_replicated_partitions")) == 0 &&
                   all[leader.BrokerId].Value("cluster_log_partition_leader", ofTopic) == 1,
            "every replica of the topic in every node's metrics, the ISR full");

        // ---- produce and fetch: counters on the leader, offsets on every replica
        await cluster.AnyRunning.Http.ProduceAsync(topic,
            new { acks = "all", records = Enumerable.Range(0, 10).Select(i => new { value = $"m{i}", partition = 0 }) });
        await cluster.AnyRunning.Http.FetchAsync(topic, 0, 0);
        var produced = await UntilAsync(cluster.Nodes,
            all => all.Values.All(s => s.Value("cluster_log_partition_high_watermark", ofTopic) == 10),
            "the high watermark 10 on every replica");
        var atLeader = produced[leader.BrokerId];
        var beforeLeader = before[leader.BrokerId];
        Assert.Equal(1, atLeader.Value("cluster_log_partition_leader", ofTopic));
        Assert.Equal(1, Delta(beforeLeader, atLeader, "cluster_log_produce_requests_total"));
        Assert.Equal(10, Delta(beforeLeader, atLeader, "cluster_log_produce_records_total"));
        Assert.Equal(1, Delta(beforeLeader, atLeader, "cluster_log_produce_latency_seconds_count", ("acks", "all")));
        Assert.Equal(1, Delta(beforeLeader, atLeader, "cluster_log_fetch_requests_total"));
        Assert.Equal(10, Delta(beforeLeader, atLeader, "cluster_log_fetch_records_total"));
        Assert.True(Delta(beforeLeader, atLeader, "cluster_log_journal_write_latency_seconds_count") >= 1);
        foreach (var (brokerId, scrape) in produced)
        {
            Assert.Equal(10, scrape.Value("cluster_log_partition_log_end_offset", ofTopic));
            Assert.Equal(0, scrape.Value("cluster_log_partition_log_start_offset", ofTopic));
            Assert.True(scrape.Value("cluster_log_partition_log_size_bytes", ofTopic) > 0, $"broker {brokerId} reports no bytes");
            Assert.Equal(brokerId == leader.BrokerId ? 1 : 0, scrape.Value("cluster_log_partition_leader", ofTopic));
        }
        Assert.Equal(1, produced.Values.Sum(s => s.Value("cluster_log_active_controller")));
        _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: produce and fetch counted on leader {leader.BrokerId}");

        // ---- ISR shrink: SIGKILL a follower (not the controller's node, when there is a choice)
        var followers = cluster.Nodes.Where(n => n != leader).ToList();
        var follower = followers.FirstOrDefault(n => n.BrokerId != controller) ?? followers[0];
        follower.Kill();
        var shrunk = await UntilAsync(Running(cluster),
            all => all.Values.Sum(s => s.Sum("cluster_log_under_replicated_partitions")) == 1,
            $"one under-replicated partition once broker {follower.BrokerId} is dead");
        Assert.Equal(1, shrunk[leader.BrokerId].Value("cluster_log_under_replicated_partitions"));
        Assert.Equal(1, Delta(atLeader, shrunk[leader.BrokerId], "cluster_log_isr_shrinks_total"));
        Assert.Equal(0, shrunk.Values.Sum(s => s.Sum("cluster_log_offline_partitions")));
        _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: ISR shrink counted after follower {follower.BrokerId} was killed");

        // ---- ISR expand: the follower comes back and catches up
        await follower.StartAsync(timeout: Wait);
        var expanded = await UntilAsync(cluster.Nodes,
            all => all.Values.Sum(s => s.Sum("cluster_log_under_replicated_partitions")) == 0 &&
                   Delta(shrunk[leader.BrokerId], all[leader.BrokerId], "cluster_log_isr_expands_total") >= 1,
            $"broker {follower.BrokerId} back in the ISR");
        Assert.Equal(1, Delta(shrunk[leader.BrokerId], expanded[leader.BrokerId], "cluster_log_isr_expands_total"));
        Assert.Equal(10, expanded[follower.BrokerId].Value("cluster_log_partition_log_end_offset", ofTopic));
        _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: ISR expand counted");

        // ---- leader election: SIGKILL the leader
        var beforeElection = expanded;
        leader.Kill();
        var survivors = Running(cluster);
        var elected = await UntilAsync(survivors,
            all => all.Values.Sum(s => s.Value("cluster_log_partition_leader", ofTopic) ?? 0) == 1 &&
                   all.Values.Sum(s => s.Value("cluster_log_active_controller")) == 1 &&
                   all.Values.Sum(s => s.Sum("cluster_log_under_replicated_partitions")) == 1 &&
                   all.Sum(e => Delta(beforeElection[e.Key], e.Value, "cluster_log_leader_elections_total")) >= 1,
            $"a new leader after broker {leader.BrokerId} was killed");
        var newLeader = elected.Single(e => e.Value.Value("cluster_log_partition_leader", ofTopic) == 1).Key;
        Assert.NotEqual(leader.BrokerId, newLeader);
        var elections = elected.ToDictionary(e => e.Key, e => Delta(beforeElection[e.Key], e.Value, "cluster_log_leader_elections_total"));
        Assert.True(elections.Values.Sum() == 1, "elections counted per broker: " + string.Join(", ", elections.Select(e => $"{e.Key}: +{e.Value}")) +
            "\n" + string.Join("\n", elected.Select(e => $"--- broker {e.Key}\n" + string.Join("\n", e.Value.Text.Split('\n').Where(l => l.StartsWith("cluster_log_") && !l.Contains("_bucket") && !l.Contains("__"))))));
        Assert.All(elected.Values, s => Assert.Contains(s.Value("cluster_log_active_controller"), new double?[] { 0, 1 }));
        Assert.Equal(1, elected[newLeader].Value("cluster_log_under_replicated_partitions"));
        Assert.Equal(10, elected[newLeader].Value("cluster_log_partition_high_watermark", ofTopic));
        _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: broker {newLeader} elected; the election counted once");

        // ---- the leader change in the new leader's log: one JSON line with the replication fields
        var epoch = (await PartitionLog.DescribeAsync(cluster.Broker(newLeader), topic)).GetProperty("leaderEpoch").GetInt32();
        var lines = JsonLines(cluster.Broker(newLeader))
            .Where(l => l.TryGetProperty("message", out var m) && m.GetString()!.StartsWith("Leader change", StringComparison.Ordinal) &&
                        l.TryGetProperty("topicPartition", out var tp) && tp.GetString() == $"{topic}-0" &&
                        l.GetProperty("leaderEpoch").GetInt32() == epoch)
            .ToList();
        var line = Assert.Single(lines);
        Assert.Equal("info", line.GetProperty("level").GetString());
        Assert.Equal(newLeader, line.GetProperty("brokerId").GetInt32());
        Assert.Equal("PartitionReplica", line.GetProperty("logger").GetString());
        _output.WriteLine($"leader change line: {line.GetRawText()}");
        // The shrink and the expand, on the leader of the time, after the follower's kill.
        var isrChanges = JsonLines(leader)
            .Where(l => l.GetProperty("logger").GetString() == "PartitionReplica" &&
                        l.GetProperty("message").GetString()!.StartsWith("ISR change", StringComparison.Ordinal) &&
                        l.TryGetProperty("topicPartition", out var tp) && tp.GetString() == $"{topic}-0" &&
                        l.GetProperty("time").GetDateTime() >= follower.KilledAt!.Value.AddSeconds(-1))
            .ToList();
        Assert.All(isrChanges, l => Assert.Equal(leader.BrokerId, l.GetProperty("brokerId").GetInt32()));
        Assert.All(isrChanges, l => Assert.Equal(0, l.GetProperty("leaderEpoch").GetInt32()));
        Assert.Equal([follower.BrokerId.ToString(), ""], isrChanges.Select(l => l.GetProperty("removed").GetString()).ToArray());
        Assert.Equal(["", follower.BrokerId.ToString()], isrChanges.Select(l => l.GetProperty("added").GetString()).ToArray());

        // ---- consumer group lag, from the node that runs the group's coordinator
        var committed = await cluster.Broker(newLeader).Http.PostAsync("/v1/groups/lagging/offsets",
            new { offsets = new[] { new { topic, partition = 0, offset = 4 } } });
        Assert.True(committed.Status == 200, committed.ToString());
        var lagging = await UntilAsync(Running(cluster),
            all => all.Values.Sum(s => s.Find("cluster_log_consumer_group_lag", ("group", "lagging"), ofTopic).Count()) == 1,
            "the lag of group 'lagging'");
        Assert.Equal(6, lagging.Values.Sum(s => s.Sum("cluster_log_consumer_group_lag", ("group", "lagging"), ofTopic, ("partition", "0"))));
        Assert.Equal(4, lagging.Values.Sum(s => s.Sum("cluster_log_consumer_group_committed_offset", ("group", "lagging"), ofTopic)));
        _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s in all");
    }

    /// <summary>
    /// A one-partition topic with three replicas whose leader is not on the controller's node,
    /// so that killing the leader does not also wait for the controller to move (the leader is
    /// chosen at random at creation: a topic led by the controller's broker is deleted and
    /// another one created).
    /// </summary>
    private static async Task<(string Topic, NodeProcess Leader, int Controller)> CreateTopicLedOutsideTheControllerAsync(ClusterProcesses cluster)
    {
        var controller = (await cluster.AnyRunning.Http.GetAsync("/v1/cluster"))["controller"].GetInt32();
        for (var attempt = 1; ; attempt++)
        {
            var topic = $"metered{attempt}";
            await cluster.AnyRunning.Http.CreateTopicAsync(topic, 1, 3);
            var leader = await PartitionLog.LeaderAsync(cluster.AnyRunning, topic);
            if (leader != controller || attempt == 8) return (topic, cluster.Broker(leader), controller);
            var deleted = await cluster.AnyRunning.Http.DeleteAsync($"/v1/topics/{topic}");
            if (deleted.Status is not (200 or 204)) throw new InvalidOperationException($"deleting {topic}: {deleted}");
        }
    }

    private static List<NodeProcess> Running(ClusterProcesses cluster) => cluster.Nodes.Where(n => n.IsRunning).ToList();

    private static double Delta(PrometheusScrape before, PrometheusScrape after, string name, params (string, string)[] labels) =>
        (after.Value(name, labels) ?? 0) - (before.Value(name, labels) ?? 0);

    private static async Task<Dictionary<int, PrometheusScrape>> ScrapeAsync(IEnumerable<NodeProcess> nodes)
    {
        var list = nodes.ToList();
        var scrapes = await Task.WhenAll(list.Select(PrometheusScrape.FromAsync));
        return list.Zip(scrapes, (node, scrape) => (node, scrape)).ToDictionary(p => p.node.BrokerId, p => p.scrape);
    }

    /// <summary>Scrapes the nodes until the condition holds; returns those scrapes.</summary>
    private static async Task<Dictionary<int, PrometheusScrape>> UntilAsync(IEnumerable<NodeProcess> nodes,
        Func<Dictionary<int, PrometheusScrape>, bool> condition, string what)
    {
        var list = nodes.ToList();
        var deadline = DateTime.UtcNow + Wait;
        Dictionary<int, PrometheusScrape>? last = null;
        while (true)
        {
            try
            {
                last = await ScrapeAsync(list);
                if (condition(last)) return last;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for {what}; last scrapes:\n" + string.Join("\n", (last ?? new()).Select(
                    s => $"--- broker {s.Key}\n" + string.Join("\n", s.Value.Text.Split('\n').Where(l => l.StartsWith("cluster_log_") && !l.Contains("_bucket"))))));
            await Task.Delay(250);
        }
    }

    /// <summary>The node's log lines that are JSON objects (all of them, with cluster-log.logging.format = json).</summary>
    private static List<JsonElement> JsonLines(NodeProcess node)
    {
        using var stream = new FileStream(node.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<JsonElement>();
        while (reader.ReadLine() is { } text)
            if (text.StartsWith('{')) lines.Add(JsonDocument.Parse(text).RootElement.Clone());
        return lines;
    }
}
