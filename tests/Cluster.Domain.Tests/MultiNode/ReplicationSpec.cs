using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.Domain.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class ReplicationSpec
{
    private readonly ITestOutputHelper _output;

    public ReplicationSpec(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Acks_all_records_survive_the_loss_of_the_leader()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.CreateTopicAsync("orders", 1, 3, new() { ["min.insync.replicas"] = "2" });
        var first = cluster.Partition("orders", 0);
        Assert.Equal(3, first.Isr.Length);

        var client = cluster.Running.First(n => n.BrokerId != first.Leader).Gateway;
        var acknowledged = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var r = await client.ProduceAsync("orders", 0, TestCluster.Batch($"v{i}"), Acks.All);
            Assert.Equal(ErrorCode.None, r.Error);
            Assert.Equal(i, r.BaseOffset);
            acknowledged.Add($"v{i}");
        }

        var started = DateTime.UtcNow;
        await cluster.KillAsync(first.Leader);
        var afterKill = await client.ProduceAsync("orders", 0, TestCluster.Batch("after"), Acks.All);
        _output.WriteLine($"first acks=all write after the kill took {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms: {afterKill.Error} (killed leader {first.Leader})");
        Assert.Equal(ErrorCode.None, afterKill.Error);
        Assert.Equal(20, afterKill.BaseOffset);
        acknowledged.Add("after");

        var second = cluster.Partition("orders", 0);
        Assert.NotEqual(first.Leader, second.Leader);
        Assert.True(second.LeaderEpoch > first.LeaderEpoch);

        var fetched = await client.FetchAsync("orders", 0, 0, 1 << 20, IsolationLevel.ReadUncommitted, 0);
        Assert.Equal(acknowledged, TestCluster.Values(fetched));

        // The killed broker comes back as a follower, catches up and rejoins the ISR.
        cluster.Start(first.Leader);
        await cluster.WaitUntilAsync(() => cluster.Partition("orders", 0).Isr.Length == 3, TimeSpan.FromSeconds(30), "ISR back to 3");
    }
}
