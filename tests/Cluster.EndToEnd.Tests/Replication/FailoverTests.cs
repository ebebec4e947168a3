using Cluster.EndToEnd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.EndToEnd.Tests.Replication;

/// <summary>
/// Issue 4 with real node processes: acks=all records survive SIGKILL of the leader, a wiped
/// follower catches up, two brokers down refuse acks=all, and a rolling restart loses nothing.
/// Each test starts its own 3-node cluster with the shipped (production) timings.
/// </summary>
public sealed class FailoverTests
{
    private readonly ITestOutputHelper _output;

    public FailoverTests(ITestOutputHelper output) => _output = output;

    private static readonly Dictionary<string, string> SafeTopic = new() { ["min.insync.replicas"] = "2" };

    [Fact]
    public async Task Killing_the_leader_under_acks_all_load_loses_no_acknowledged_record()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "kill-leader");
        await cluster.AnyRunning.Http.CreateTopicAsync("orders", 1, 3, SafeTopic);
        var producer = new AcknowledgedProducer(cluster, "orders");
        using var stop = new CancellationTokenSource();
        var load = producer.RunAsync(stop.Token);

        await PartitionLog.WaitUntilAsync(() => Task.FromResult(producer.Acknowledged.Count >= 200), TimeSpan.FromSeconds(30), "some load");
        var leader = cluster.Broker(await PartitionLog.LeaderAsync(cluster.AnyRunning, "orders"));
        leader.Kill();
        var killedAt = leader.KilledAt!.Value;
        await PartitionLog.WaitUntilAsync(() => Task.FromResult(producer.FirstAcknowledgedSentAfter(killedAt) is not null),
            TimeSpan.FromSeconds(30), "the first acknowledged write sent after the kill");
        _output.WriteLine($"first acks=all write sent after the SIGKILL of leader {leader.BrokerId} acknowledged {(producer.FirstAcknowledgedSentAfter(killedAt)!.Value - killedAt).TotalMilliseconds:F0} ms after it");

        await Task.Delay(2000);
        await leader.StartAsync();
        await PartitionLog.WaitUntilAsync(async () => (await PartitionLog.IsrAsync(cluster.AnyRunning, "orders")).Length == 3,
            TimeSpan.FromSeconds(60), "the killed broker back in the ISR");
        stop.Cancel();
        await load;
        _output.WriteLine($"{producer.Acknowledged.Count} records acknowledged, {producer.Failures} attempts answered 5xx or failed");

        await VerifyEveryReplicaAsync(cluster, "orders", producer.Acknowledged);
    }

    [Fact]
    public async Task A_wiped_follower_catches_up_from_the_leader_and_rejoins_the_isr()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "wipe-follower");
        await cluster.AnyRunning.Http.CreateTopicAsync("history", 1, 3, SafeTopic);
        const int records = 20_000;
        var acknowledged = new Dictionary<string, long>();
        for (var start = 0; start < records; start += 500)
        {
            var values = Enumerable.Range(start, 500).Select(i => $"h{i:D6}-{new string('x', 80)}").ToArray();
            var offsets = await cluster.AnyRunning.Http.ProduceAsync("history",
                new { acks = "all", records = values.Select(v => new { value = v, partition = 0 }) }, TimeSpan.FromSeconds(20));
            for (var i = 0; i < values.Length; i++) acknowledged[values[i]] = offsets[i].Offset;
        }

        var leaderId = await PartitionLog.LeaderAsync(cluster.AnyRunning, "history");
        var follower = cluster.Nodes.First(n => n.BrokerId != leaderId);
        follower.Kill();
        follower.WipeDataDir();
        await PartitionLog.WaitUntilAsync(async () => (await PartitionLog.IsrAsync(cluster.AnyRunning, "history")).Length == 2,
            TimeSpan.FromSeconds(30), "the ISR without the wiped follower");
        var started = DateTime.UtcNow;
        await follower.StartAsync();
        await PartitionLog.WaitUntilAsync(async () => (await PartitionLog.IsrAsync(cluster.AnyRunning, "history")).Contains(follower.BrokerId),
            TimeSpan.FromSeconds(90), "the wiped follower back in the ISR");
        _output.WriteLine($"wiped follower (broker {follower.BrokerId}) back in the ISR {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms after its restart, holding {records} records");

        await VerifyEveryReplicaAsync(cluster, "history", acknowledged);
    }

    [Fact]
    public async Task With_two_of_three_brokers_down_acks_all_is_refused_and_nothing_is_lost()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "two-down");
        await cluster.AnyRunning.Http.CreateTopicAsync("ledger", 1, 3, SafeTopic);
        var acknowledged = new Dictionary<string, long>();
        var offsets = await cluster.AnyRunning.Http.ProduceAsync("ledger",
            new { acks = "all", records = new[] { new { value = "before-1" }, new { value = "before-2" } } });
        acknowledged["before-1"] = offsets[0].Offset;
        acknowledged["before-2"] = offsets[1].Offset;

        var survivor = cluster.Broker(await PartitionLog.LeaderAsync(cluster.AnyRunning, "ledger"));
        foreach (var node in cluster.Nodes.Where(n => n != survivor)) node.Kill();

        var refused = await survivor.Http.PostAsync("/v1/topics/ledger/records", new { acks = "all", records = new[] { new { value = "refused" } } });
        _output.WriteLine($"acks=all with two of three brokers down: {refused}");
        Assert.True(refused.Status is 503 or 504, refused.ToString());
        Assert.Contains(refused.Error, new[] { "NOT_ENOUGH_REPLICAS", "REQUEST_TIMED_OUT", "LEADER_NOT_AVAILABLE", "NOT_ENOUGH_REPLICAS_AFTER_APPEND" });

        foreach (var node in cluster.Nodes.Where(n => n != survivor)) await node.StartAsync(waitUntilHealthy: false);
        await Task.WhenAll(cluster.Nodes.Select(n => n.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60))));
        var after = await cluster.AnyRunning.Http.ProduceAsync("ledger",
            new { acks = "all", records = new[] { new { value = "after" } } }, TimeSpan.FromSeconds(60));
        acknowledged["after"] = after[0].Offset;

        var log = await PartitionLog.ReadAllAsync(cluster.AnyRunning, "ledger");
        foreach (var (value, offset) in acknowledged)
            Assert.Contains((offset, value), log);
    }

    [Fact]
    public async Task A_rolling_restart_under_load_loses_nothing()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "rolling");
        await cluster.AnyRunning.Http.CreateTopicAsync("events", 1, 3, SafeTopic);
        var producer = new AcknowledgedProducer(cluster, "events");
        using var stop = new CancellationTokenSource();
        var load = producer.RunAsync(stop.Token);

        foreach (var node in cluster.Nodes)
        {
            await PartitionLog.WaitUntilAsync(async () => (await PartitionLog.IsrAsync(cluster.AnyRunning, "events")).Length == 3,
                TimeSpan.FromSeconds(60), "a full ISR before the next restart");
            var exit = await node.StopAsync();
            Assert.Equal(0, exit);
            await node.StartAsync();
        }
        await PartitionLog.WaitUntilAsync(async () => (await PartitionLog.IsrAsync(cluster.AnyRunning, "events")).Length == 3,
            TimeSpan.FromSeconds(60), "a full ISR after the rolling restart");
        stop.Cancel();
        await load;
        _output.WriteLine($"{producer.Acknowledged.Count} records acknowledged during the rolling restart, {producer.Failures} attempts retried");
        Assert.True(producer.Acknowledged.Count > 0);

        await VerifyEveryReplicaAsync(cluster, "events", producer.Acknowledged);
    }

    /// <summary>
    /// Every replica must hold the same dense offsets, with every acknowledged record at the
    /// offset it was acknowledged with (read from each broker's own replica).
    /// </summary>
    private static async Task VerifyEveryReplicaAsync(ClusterProcesses cluster, string topic, Dictionary<string, long> acknowledged)
    {
        await PartitionLog.WaitUntilAsync(async () => (await PartitionLog.IsrAsync(cluster.AnyRunning, topic)).Length == cluster.Nodes.Count,
            TimeSpan.FromSeconds(60), "a full ISR");
        var highWatermark = (await PartitionLog.DescribeAsync(cluster.AnyRunning, topic)).GetProperty("highWatermark").GetInt64();
        List<(long Offset, string Value)>? reference = null;
        foreach (var node in cluster.Nodes)
        {
            var log = await PartitionLog.ReadReplicaAsync(cluster.AnyRunning, topic, node.BrokerId);
            Assert.True(log.Count >= highWatermark, $"broker {node.BrokerId} holds {log.Count} records, the high watermark is {highWatermark}");
            Assert.Equal(Enumerable.Range(0, log.Count).Select(i => (long)i), log.Select(r => r.Offset));
            foreach (var (value, offset) in acknowledged)
                Assert.True(offset < log.Count && log[(int)offset].Value == value, $"acknowledged {value}@{offset} missing on broker {node.BrokerId}");
            var committed = log.Take((int)highWatermark).ToList();
            if (reference is null) reference = committed;
            else Assert.Equal(reference, committed);
        }
    }
}
