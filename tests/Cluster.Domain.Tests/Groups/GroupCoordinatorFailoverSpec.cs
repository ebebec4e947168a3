using System.Diagnostics;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Tests.MultiNode;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.Domain.Tests.Groups;

/// <summary>
/// Group coordinators on a three-broker in-process cluster: the coordinator's node dies and
/// its group carries on elsewhere from <c>__consumer_offsets</c>. Also measures offset
/// commits per second (acks=all, replication factor 3, min.insync.replicas 2).
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class GroupCoordinatorFailoverSpec
{
    private const string GroupTimings = """
        cluster-log.groups.min-session-timeout = 1 s
        cluster-log.groups.attempt-timeout = 2 s
        cluster-log.groups.request-timeout = 30 s
        """;

    private static readonly TimeSpan Seconds30 = TimeSpan.FromSeconds(30);
    private readonly ITestOutputHelper _output;

    public GroupCoordinatorFailoverSpec(ITestOutputHelper output) => _output = output;

    private static GroupCoordination Groups(TestCluster cluster, int brokerId) => GroupCoordination.For(cluster.Node(brokerId).System);

    private static CommitOffsets Commit(string group, string? member, int? generation, long offset) =>
        new(group, member, generation, Enumerable.Range(0, 4).Select(p => new OffsetCommit("orders", p, offset + p, $"at-{offset}")).ToList());

    private static void AssertOk(IGroupResult result) =>
        Assert.True(result.Error == ErrorCode.None, $"{result.Error.KafkaName()}: {result.Message}");

    [Fact]
    public async Task Committed_offsets_and_the_generation_survive_the_loss_of_the_coordinators_node()
    {
        await using var cluster = await TestCluster.StartAsync(3, GroupTimings);
        await cluster.CreateTopicAsync("orders", 4, 3);

        // A member and a simple-consumer-style group, both with committed offsets.
        var join = await Groups(cluster, 1).JoinAsync(new JoinGroup("app", null, "member-1", new[] { "orders" }, 10_000, null));
        AssertOk(join);
        AssertOk(await Groups(cluster, 1).CommitAsync(Commit("app", "member-1", join.Generation, 100)));
        AssertOk(await Groups(cluster, 2).CommitAsync(Commit("tool", null, null, 7)));

        var offsetsTopic = cluster.Metadata.Topic(OffsetsTopic.Name)!;
        Assert.All(offsetsTopic.Partitions, p => Assert.Equal(3, p.Replicas.Length));
        Assert.Equal(2, offsetsTopic.Config.MinInsyncReplicas);
        Assert.Equal(-1, offsetsTopic.Config.RetentionMs);

        var before = await Groups(cluster, 1).DescribeAsync(new DescribeGroup("app"));
        var victim = before.CoordinatorBrokerId;
        var survivor = new[] { 1, 2, 3 }.First(b => b != victim);
        _output.WriteLine($"group 'app' is coordinated on broker {victim}; its records are in {OffsetsTopic.Name}-{OffsetsTopic.PartitionFor("app", offsetsTopic.Partitions.Length)} " +
                          $"led by broker {cluster.Partition(OffsetsTopic.Name, OffsetsTopic.PartitionFor("app", offsetsTopic.Partitions.Length)).Leader}");

        var clock = Stopwatch.StartNew();
        await cluster.KillAsync(victim);

        // The first request after the kill waits (retries inside) until the coordinator runs elsewhere.
        var fetched = await Groups(cluster, survivor).FetchOffsetsAsync(new FetchOffsets("app", "orders"));
        var firstAnswer = clock.Elapsed;
        AssertOk(fetched);
        Assert.Equal(new long[] { 100, 101, 102, 103 }, fetched.Offsets.Select(o => o.Offset.Offset));
        Assert.All(fetched.Offsets, o => Assert.Equal("at-100", o.Offset.Metadata));

        // The member goes on in its generation: no rebalance is needed because the coordinator moved.
        var heartbeat = await Groups(cluster, survivor).HeartbeatAsync(new GroupHeartbeat("app", "member-1", join.Generation));
        AssertOk(heartbeat);
        Assert.Equal(4, heartbeat.Assignment.Count);
        AssertOk(await Groups(cluster, survivor).CommitAsync(Commit("app", "member-1", join.Generation, 200)));
        var newCommit = clock.Elapsed;

        var after = await Groups(cluster, survivor).DescribeAsync(new DescribeGroup("app"));
        Assert.NotEqual(victim, after.CoordinatorBrokerId);
        Assert.Equal(GroupPhase.Stable, after.Phase);
        Assert.Equal(new long[] { 200, 201, 202, 203 }, after.Offsets.Select(o => o.Offset.Offset));

        var tool = await Groups(cluster, survivor).FetchOffsetsAsync(new FetchOffsets("tool", null));
        Assert.Equal(new long[] { 7, 8, 9, 10 }, tool.Offsets.Select(o => o.Offset.Offset));
        Assert.Contains("app", await Groups(cluster, survivor).Registry.ListAsync());
        Assert.Contains("tool", await Groups(cluster, survivor).Registry.ListAsync());

        _output.WriteLine($"killed broker {victim}: committed offsets read back after {firstAnswer.TotalSeconds:F1} s, " +
                          $"a new commit acknowledged after {newCommit.TotalSeconds:F1} s; coordinator now on broker {after.CoordinatorBrokerId}");
        Assert.True(newCommit < TimeSpan.FromSeconds(20), $"the group took {newCommit.TotalSeconds:F1} s to work again");

        // The dead broker comes back; the group is unaffected.
        cluster.Start(victim);
        await cluster.WaitUntilAsync(() => cluster.Node(victim).IsReady, Seconds30, $"broker {victim} back");
        AssertOk(await Groups(cluster, victim).CommitAsync(Commit("app", "member-1", join.Generation, 300)));
        var last = await Groups(cluster, victim).FetchOffsetsAsync(new FetchOffsets("app", null));
        Assert.Equal(new long[] { 300, 301, 302, 303 }, last.Offsets.Select(o => o.Offset.Offset));
    }

    [Fact]
    public async Task Offset_commits_per_second_with_acks_all_on_three_replicas()
    {
        await using var cluster = await TestCluster.StartAsync(3, GroupTimings);
        await cluster.CreateTopicAsync("orders", 4, 3);
        var groups = Groups(cluster, 1);
        AssertOk(await groups.CommitAsync(Commit("warm-up", null, null, 0)));

        // Sequential: one commit (4 partitions) at a time, as one consumer does.
        const int sequential = 300;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < sequential; i++) AssertOk(await groups.CommitAsync(Commit("seq", null, null, i)));
        var sequentialRate = sequential / clock.Elapsed.TotalSeconds;

        // Many consumers of one group committing at once: the coordinator batches them.
        const int concurrent = 2000;
        clock.Restart();
        var results = await Task.WhenAll(Enumerable.Range(0, concurrent).Select(i => groups.CommitAsync(Commit("one-group", null, null, i))));
        var oneGroupRate = concurrent / clock.Elapsed.TotalSeconds;
        Assert.All(results, AssertOk);

        // Many groups (coordinators spread over the nodes), 8 commits in flight per group.
        clock.Restart();
        var spread = await Task.WhenAll(Enumerable.Range(0, 32).Select(async g =>
        {
            for (var i = 0; i < concurrent / 32 / 8; i++)
                await Task.WhenAll(Enumerable.Range(0, 8).Select(j => groups.CommitAsync(Commit($"group-{g}", null, null, i * 8 + j))));
            return g;
        }));
        var manyGroupsRate = concurrent / clock.Elapsed.TotalSeconds;

        var check = await groups.FetchOffsetsAsync(new FetchOffsets("seq", null));
        Assert.Equal(sequential - 1, check.Offsets[0].Offset.Offset);
        _output.WriteLine($"offset commits (4 partitions each, acks=all, RF 3, min.insync 2, in-process cluster): " +
                          $"sequential {sequentialRate:F0}/s ({1000 / sequentialRate:F1} ms each); " +
                          $"{concurrent} concurrent on one group {oneGroupRate:F0}/s; 32 groups x 8 in flight {manyGroupsRate:F0}/s");
    }
}
