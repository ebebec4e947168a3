using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Xunit;

namespace Cluster.Domain.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class SingleNodeSpec
{
    [Fact]
    public Task Appends_get_dense_offsets_and_survive_a_restart_on_sqlite() => AppendsSurviveARestart(null);

    [Fact]
    public async Task Appends_get_dense_offsets_and_survive_a_restart_on_postgres()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await AppendsSurviveARestart(database.ConnectionString);
    }

    private static async Task AppendsSurviveARestart(string? postgres)
    {
        await using var cluster = await TestCluster.StartAsync(1, postgresFor: postgres is null ? null : _ => postgres);
        await cluster.CreateTopicAsync("orders", 1, 1);
        var gateway = cluster.Node(1).Gateway;

        var first = await gateway.ProduceAsync("orders", 0, TestCluster.Batch("a", "b", "c"), Acks.Leader);
        var second = await gateway.ProduceAsync("orders", 0, TestCluster.Batch("d"), Acks.All);
        Assert.Equal(ErrorCode.None, first.Error);
        Assert.Equal(0, first.BaseOffset);
        Assert.Equal(ErrorCode.None, second.Error);
        Assert.Equal(3, second.BaseOffset);

        var fetched = await gateway.FetchAsync("orders", 0, 1, 1 << 20, IsolationLevel.ReadUncommitted, 0);
        Assert.Equal(ErrorCode.None, fetched.Error);
        Assert.Equal(new[] { "b", "c", "d" }, TestCluster.Values(fetched, 1));
        Assert.Equal(4, fetched.HighWatermark);

        await cluster.KillAsync(1);
        cluster.Start(1);
        await cluster.WaitUntilAsync(() => cluster.Node(1).IsReady, TimeSpan.FromSeconds(30), "restart");
        var afterRestart = cluster.Node(1).Gateway;
        FetchResult again = null!;
        await cluster.WaitUntilAsync(() => (again = afterRestart.FetchAsync("orders", 0, 0, 1 << 20, IsolationLevel.ReadUncommitted, 0).Result).Error == ErrorCode.None && again.HighWatermark == 4,
            TimeSpan.FromSeconds(20), "fetch after restart");
        Assert.Equal(new[] { "a", "b", "c", "d" }, TestCluster.Values(again));
        var third = await afterRestart.ProduceAsync("orders", 0, TestCluster.Batch("e"), Acks.All);
        Assert.Equal(4, third.BaseOffset);
    }
}
