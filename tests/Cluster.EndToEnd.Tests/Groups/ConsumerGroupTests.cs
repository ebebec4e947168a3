using System.Diagnostics;
using Cluster.Domain.Groups;
using Cluster.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Cluster.EndToEnd.Tests.Groups;

/// <summary>
/// Issue 7 with real node processes (three brokers, shipped timings): two members share a
/// topic; one dies without leaving; the survivor takes its partitions after the session
/// timeout and resumes them from the committed offsets, skipping nothing. And committed
/// offsets survive SIGKILL of the broker that coordinates the group.
/// </summary>
public sealed class ConsumerGroupTests
{
    private const int SessionTimeoutMs = 6000;
    private const int PerPartition = 60;
    private readonly ITestOutputHelper _output;

    public ConsumerGroupTests(ITestOutputHelper output) => _output = output;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Produces <paramref name="count"/> records to every partition; returns (partition, offset) → value.</summary>
    private static async Task ProduceAsync(NodeProcess node, string topic, int partitions, int round, int count, Dictionary<(int, long), string> produced)
    {
        for (var p = 0; p < partitions; p++)
        {
            var values = Enumerable.Range(0, count).Select(i => $"p{p}-r{round}-{i}").ToArray();
            var offsets = await node.Http.ProduceAsync(topic, new { acks = "all", records = values.Select(v => new { value = v, partition = p }) },
                TimeSpan.FromSeconds(30));
            for (var i = 0; i < values.Length; i++) produced[(p, offsets[i].Offset)] = values[i];
        }
    }

    [Fact]
    public async Task A_dead_members_partitions_move_to_the_survivor_which_resumes_them_from_the_committed_offsets()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "groups");
        await cluster.Broker(1).Http.CreateTopicAsync("events", 4, 3, new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
        var produced = new Dictionary<(int, long), string>();
        await ProduceAsync(cluster.Broker(3), "events", 4, 0, PerPartition, produced);

        // Two members, talking to different brokers.
        var a = new HttpGroupMember("A", cluster.Broker(1).Http, "workers", "events", SessionTimeoutMs);
        var b = new HttpGroupMember("B", cluster.Broker(2).Http, "workers", "events", SessionTimeoutMs);
        a.Start();
        await WaitUntilAsync(() => Task.FromResult(a.Current is not null), TimeSpan.FromSeconds(30), "A's first generation");
        b.Start();
        await WaitUntilAsync(() => Task.FromResult(a.Current?.Partitions.Length == 2 && b.Current?.Partitions.Length == 2 &&
                                                   a.Current.Number == b.Current.Number),
            TimeSpan.FromSeconds(40), "A and B sharing the partitions in one generation");
        var shared = a.Current!.Number;
        Assert.Empty(a.Current.Partitions.Intersect(b.Current!.Partitions));
        Assert.Equal(new[] { 0, 1, 2, 3 }, a.Current.Partitions.Concat(b.Current.Partitions).Order());

        var described = await cluster.Broker(3).Http.GetAsync("/v1/groups/workers");
        Assert.Equal(200, described.Status);
        Assert.Equal("Stable", described["state"].GetString());
        Assert.Equal(shared, described["generation"].GetInt32());
        var owners = described["members"].EnumerateArray()
            .SelectMany(m => m.GetProperty("assignment").EnumerateArray().Select(tp => tp.GetProperty("partition").GetInt32()))
            .ToList();
        Assert.Equal(new[] { 0, 1, 2, 3 }, owners.Order());

        // Both read what there is and commit it.
        await WaitUntilAsync(() => Task.FromResult(a.Processed.Count + b.Processed.Count >= 4 * PerPartition),
            TimeSpan.FromSeconds(60), "the first records read");
        var bPartitions = b.Current.Partitions;

        // B dies mid-stream: no leave, no heartbeats. More records arrive meanwhile.
        var produceMore = ProduceAsync(cluster.Broker(3), "events", 4, 1, PerPartition, produced);
        await Task.Delay(300);
        var died = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        await b.DieAsync();
        await produceMore;

        await WaitUntilAsync(() => Task.FromResult(a.Current!.Partitions.Length == 4), TimeSpan.FromSeconds(60), "A owning every partition");
        var takeover = a.Current!;
        var takeoverTime = takeover.JoinedAt - died;
        Assert.True(takeover.Number > shared);
        Assert.True(takeoverTime >= TimeSpan.FromMilliseconds(SessionTimeoutMs - 500), $"B's partitions moved after only {takeoverTime}");

        // A reads every partition to the end.
        await WaitUntilAsync(async () =>
        {
            var offsets = await cluster.Broker(1).Http.GetAsync("/v1/groups/workers/offsets?topic=events");
            return offsets.Status == 200 && offsets["offsets"].GetArrayLength() == 4 &&
                   offsets["offsets"].EnumerateArray().All(o => o.GetProperty("offset").GetInt64() == 2 * PerPartition);
        }, TimeSpan.FromSeconds(60), "all records consumed and committed");
        await a.LeaveAsync();

        // A resumed B's partitions where B's last acknowledged commit left them (or later, if B's
        // very last commit landed as it died), never past what B had processed.
        foreach (var p in bPartitions)
        {
            var start = takeover.StartedAt[p];
            var bProcessedEnd = b.Processed.Where(r => r.Partition == p).Select(r => r.Offset + 1).DefaultIfEmpty(0).Max();
            Assert.InRange(start, b.Committed.GetValueOrDefault(p), bProcessedEnd);
        }

        // Nothing skipped: every produced record was processed by someone, with its value.
        var processed = a.Processed.Concat(b.Processed).ToList();
        foreach (var ((p, offset), value) in produced)
            Assert.Contains((p, offset, value), processed);
        var duplicates = processed.Count - processed.Distinct().Count();

        var groupAfter = await cluster.Broker(2).Http.GetAsync("/v1/groups/workers");
        Assert.Equal("Empty", groupAfter["state"].GetString());
        Assert.All(groupAfter["offsets"].EnumerateArray(), o => Assert.Equal(0, o.GetProperty("lag").GetInt64()));

        _output.WriteLine($"session timeout {SessionTimeoutMs} ms: B (partitions {string.Join(",", bPartitions)}) died; A owned all four partitions " +
                          $"{takeoverTime.TotalMilliseconds:F0} ms later (generation {shared} -> {takeover.Number}); " +
                          $"{produced.Count} records produced, {processed.Count} processed ({duplicates} read twice), none skipped");
    }

    [Fact]
    public async Task Committed_offsets_survive_sigkill_of_the_coordinators_broker_and_of_the_offsets_partition_leader()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "group-kill");
        await cluster.Broker(1).Http.CreateTopicAsync("orders", 3, 3, new Dictionary<string, string> { ["min.insync.replicas"] = "2" });

        async Task<JsonResponse> CommitAsync(NodeProcess via, long offset) => await via.Http.PostAsync("/v1/groups/billing/offsets",
            new { offsets = Enumerable.Range(0, 3).Select(p => new { topic = "orders", partition = p, offset = offset + p, metadata = $"m{offset}" }) });

        async Task<long[]> OffsetsAsync(NodeProcess via)
        {
            var answer = await via.Http.GetAsync("/v1/groups/billing/offsets");
            Assert.True(answer.Status == 200, answer.ToString());
            return answer["offsets"].EnumerateArray().Select(o => o.GetProperty("offset").GetInt64()).ToArray();
        }

        Assert.Equal(200, (await CommitAsync(cluster.Broker(1), 10)).Status);
        var coordinator = (await cluster.Broker(1).Http.GetAsync("/v1/groups/billing"))["coordinator"].GetInt32();
        var victim = cluster.Broker(coordinator);
        var other = cluster.Nodes.First(n => n.BrokerId != coordinator);

        var clock = Stopwatch.StartNew();
        victim.Kill();
        Assert.Equal(new long[] { 10, 11, 12 }, await OffsetsAsync(other));
        var readBack = clock.Elapsed;
        JsonResponse committed;
        while ((committed = await CommitAsync(other, 20)).Status != 200)
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no commit after the kill: {committed}");
        var newCommit = clock.Elapsed;
        var movedTo = (await other.Http.GetAsync("/v1/groups/billing"))["coordinator"].GetInt32();
        Assert.NotEqual(coordinator, movedTo);
        _output.WriteLine($"SIGKILL of broker {coordinator} (the coordinator): offsets read back after {readBack.TotalSeconds:F1} s, " +
                          $"a new commit after {newCommit.TotalSeconds:F1} s, coordinator now broker {movedTo}");

        // The killed broker comes back with an empty disk; then the leader of the group's
        // __consumer_offsets partition dies.
        victim.WipeDataDir();
        await victim.StartAsync();
        var partition = OffsetsTopic.PartitionFor("billing", 12);
        await WaitUntilAsync(async () =>
        {
            var topic = await other.Http.GetAsync($"/v1/topics/{OffsetsTopic.Name}");
            return topic.Status == 200 && topic["partitions"][partition].GetProperty("isr").GetArrayLength() == 3;
        }, TimeSpan.FromSeconds(90), "the wiped broker back in the ISR of the group's partition");
        var leader = (await other.Http.GetAsync($"/v1/topics/{OffsetsTopic.Name}"))["partitions"][partition].GetProperty("leader").GetInt32();
        cluster.Broker(leader).Kill();
        var survivor = cluster.Nodes.First(n => n.IsRunning);
        Assert.Equal(new long[] { 20, 21, 22 }, await OffsetsAsync(survivor));
        clock.Restart();
        while ((committed = await CommitAsync(survivor, 30)).Status != 200)
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no commit after the leader's kill: {committed}");
        Assert.Equal(new long[] { 30, 31, 32 }, await OffsetsAsync(survivor));
        _output.WriteLine($"SIGKILL of broker {leader} (leader of {OffsetsTopic.Name}-{partition}): a new commit after {clock.Elapsed.TotalSeconds:F1} s");
    }
}
