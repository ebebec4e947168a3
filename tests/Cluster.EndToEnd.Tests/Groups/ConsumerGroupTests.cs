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

        await MeasureCommitsAsync(cluster);
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

    /// <summary>Offset commits over HTTP (one partition per commit, acks=all, RF 3): one client at a time, then 16 at once.</summary>
    private async Task MeasureCommitsAsync(ClusterProcesses cluster)
    {
        var http = cluster.Broker(1).Http;
        string Body(int i) => System.Text.Json.JsonSerializer.Serialize(new { offsets = new[] { new { topic = "events", partition = i % 4, offset = i } } });
        Assert.Equal(200, (await http.PostAsync("/v1/groups/bench/offsets", Body(0))).Status);
        const int sequential = 300;
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= sequential; i++) Assert.Equal(200, (await http.PostAsync("/v1/groups/bench/offsets", Body(i))).Status);
        var sequentialRate = sequential / clock.Elapsed.TotalSeconds;

        const int parallel = 16, each = 60;
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async c =>
        {
            for (var i = 0; i < each; i++)
                Assert.Equal(200, (await http.PostAsync($"/v1/groups/bench-{c % 4}/offsets", Body(i))).Status);
        }));
        var parallelRate = parallel * each / clock.Elapsed.TotalSeconds;
        _output.WriteLine($"HTTP offset commits, acks=all on RF 3: sequential {sequentialRate:F0}/s ({1000 / sequentialRate:F1} ms each); " +
                          $"{parallel} clients on 4 groups {parallelRate:F0}/s");
    }

    [Fact]
    public async Task Replay_from_the_committed_offset_from_earliest_and_from_a_timestamp_and_bad_requests_are_400()
    {
        await using var node = await NodeProcess.StartAsync(new NodeProcessOptions { Name = "group-replay" });
        var http = node.Http;
        await http.CreateTopicAsync("audit", 1, 1);
        var first = await http.ProduceAsync("audit", new { records = Enumerable.Range(0, 5).Select(i => new { value = $"old-{i}", partition = 0 }) });
        await Task.Delay(50);
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Task.Delay(50);
        var second = await http.ProduceAsync("audit", new { records = Enumerable.Range(0, 5).Select(i => new { value = $"new-{i}", partition = 0 }) });

        // A consumer processed the first five and committed; the group then replays from a time, and from the start.
        Assert.Equal(200, (await http.PostAsync("/v1/groups/auditors/offsets", """{"offsets":[{"topic":"audit","partition":0,"offset":5,"metadata":"done"}]}""")).Status);
        var committed = (await http.GetAsync("/v1/groups/auditors/offsets?topic=audit"))["offsets"][0];
        Assert.Equal(5, committed.GetProperty("offset").GetInt64());
        Assert.Equal("new-0", (await http.FetchAsync("audit", 0, committed.GetProperty("offset").GetInt64()))["records"][0].GetProperty("value").GetString());

        var atTime = (await http.GetAsync($"/v1/topics/audit/partitions/0/offsets?at={since}"))["offset"].GetInt64();
        Assert.Equal(second[0].Offset, atTime);
        var earliest = (await http.GetAsync("/v1/topics/audit/partitions/0/offsets?at=earliest"))["offset"].GetInt64();
        Assert.Equal(first[0].Offset, earliest);
        // Reset the group (no members) to earliest; a member joining now starts there.
        Assert.Equal(200, (await http.PostAsync("/v1/groups/auditors/offsets", $$"""{"offsets":[{"topic":"audit","partition":0,"offset":{{earliest}}}]}""")).Status);
        var member = await http.PostAsync("/v1/groups/auditors/members", """{"topics":["audit"],"sessionTimeoutMs":6000}""");
        Assert.Equal(200, member.Status);
        var memberId = member["memberId"].GetString();
        var start = (await http.GetAsync("/v1/groups/auditors/offsets"))["offsets"][0].GetProperty("offset").GetInt64();
        var replayed = (await http.FetchAsync("audit", 0, start))["records"].EnumerateArray().Select(r => r.GetProperty("value").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"old-{i}").Concat(Enumerable.Range(0, 5).Select(i => $"new-{i}")), replayed);

        // With a member in the group, a commit without memberId/generation is refused, and so is a stale generation.
        Assert.Equal((409, "UNKNOWN_MEMBER_ID"), await StatusOf(http.PostAsync("/v1/groups/auditors/offsets", """{"offsets":[{"topic":"audit","partition":0,"offset":1}]}""")));
        Assert.Equal((409, "ILLEGAL_GENERATION"), await StatusOf(http.PostAsync("/v1/groups/auditors/offsets",
            $$"""{"offsets":[{"topic":"audit","partition":0,"offset":1}],"memberId":"{{memberId}}","generation":99}""")));
        Assert.Equal((409, "ILLEGAL_GENERATION"), await StatusOf(http.PostAsync($"/v1/groups/auditors/members/{memberId}/heartbeat", """{"generation":99}""")));
        Assert.Equal(0, (await http.GetAsync("/v1/groups/auditors/offsets"))["offsets"][0].GetProperty("offset").GetInt64());

        // Bad input is 400 INVALID_REQUEST (never 500); unknown things are 404.
        var bad = new (string Path, string Body)[]
        {
            ("/v1/groups/g/offsets", ""),
            ("/v1/groups/g/offsets", "[]"),
            ("/v1/groups/g/offsets", "{\"offsets\":{}}"),
            ("/v1/groups/g/offsets", "{\"offsets\":[{\"topic\":\"audit\",\"partition\":0}]}"),
            ("/v1/groups/g/offsets", "{\"offsets\":[{\"topic\":\"audit\",\"partition\":0,\"offset\":-1}]}"),
            ("/v1/groups/g/offsets", "{\"offsets\":[{\"topic\":\"audit\",\"partition\":\"0\",\"offset\":1}]}"),
            ("/v1/groups/g/offsets", "{\"offsets\":[{\"topic\":\"audit\",\"partition\":0,\"offset\":1.5}]}"),
            ("/v1/groups/g/offsets", "{\"offsets\":[],\"generation\":\"x\"}"),
            ("/v1/groups/g/offsets", "{\"offsets\":[{\"topic\":\"audit\",\"partition\":0,\"offset\":1,\"metadata\":\"" + new string('m', 5000) + "\"}]}"),
            ("/v1/groups/g/members", "{}"),
            ("/v1/groups/g/members", "{\"topics\":[]}"),
            ("/v1/groups/g/members", "{\"topics\":[1]}"),
            ("/v1/groups/g/members", "{\"topics\":[\"audit\"],\"sessionTimeoutMs\":10}"),
            ("/v1/groups/g/members", "{\"topics\":[\"audit\"],\"sessionTimeoutMs\":99999999999}"),
            ("/v1/groups/g/members", "{\"topics\":[\"audit\"],\"assignor\":\"fastest\"}"),
            ("/v1/groups/g/members/m/heartbeat", "{\"generation\":\"five\"}"),
            ("/v1/groups/" + new string('g', 300) + "/offsets", "{\"offsets\":[]}"),
        };
        foreach (var (path, body) in bad)
        {
            var answer = await http.SendAsync(HttpMethod.Post, path, HttpJson.Json(body));
            Assert.True(answer.Status == 400 && answer.Error == "INVALID_REQUEST", $"POST {path} {body[..Math.Min(80, body.Length)]}: {answer}");
        }
        Assert.Equal((404, "UNKNOWN_TOPIC_OR_PARTITION"), await StatusOf(http.PostAsync("/v1/groups/g/offsets", """{"offsets":[{"topic":"audit","partition":1,"offset":1}]}""")));
        Assert.Equal((404, "UNKNOWN_TOPIC_OR_PARTITION"), await StatusOf(http.PostAsync("/v1/groups/g/members", """{"topics":["nope"]}""")));
        Assert.Equal((404, "UNKNOWN_MEMBER_ID"), await StatusOf(http.DeleteAsync("/v1/groups/g/members/nobody")));
        Assert.Equal((409, "UNKNOWN_MEMBER_ID"), await StatusOf(http.PostAsync("/v1/groups/g/members/nobody/heartbeat", "")));
        Assert.Equal((409, "UNKNOWN_MEMBER_ID"), await StatusOf(http.PostAsync("/v1/groups/g/members", """{"topics":["audit"],"memberId":"nobody"}""")));
        Assert.Equal(204, (await http.DeleteAsync($"/v1/groups/auditors/members/{memberId}")).Status);
        Assert.Equal("Dead", (await http.GetAsync("/v1/groups/never-used"))["state"].GetString());
        Assert.Contains("auditors", (await http.GetAsync("/v1/groups"))["groups"].EnumerateArray().Select(g => g.GetString()));
    }

    private static async Task<(int, string?)> StatusOf(Task<JsonResponse> request)
    {
        var answer = await request;
        return (answer.Status, answer.Error);
    }
}
