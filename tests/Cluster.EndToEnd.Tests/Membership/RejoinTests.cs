using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Replication;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.EndToEnd.Tests.Membership;

/// <summary>
/// Contract section 1: a node paused long enough for the cluster to remove it rejoins by
/// itself, keeping its data, without a process restart or an operator.
/// </summary>
public sealed class RejoinTests
{
    private readonly ITestOutputHelper _output;

    public RejoinTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_paused_node_that_the_cluster_removed_rejoins_by_itself_and_catches_up()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "rejoin");
        var anchor = cluster.Broker(1);
        await anchor.Http.CreateTopicAsync("journal", 1, 3, new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
        await anchor.Http.ProduceAsync("journal", new { acks = "all", records = new[] { new { value = "before" } } }, TimeSpan.FromSeconds(20));

        var paused = cluster.Broker(3);
        var pid = paused.Pid;
        paused.Pause();
        // Long enough for failure detection and the split brain resolver to remove it.
        await PartitionLog.WaitUntilAsync(async () =>
            {
                var state = await anchor.Http.GetAsync("/v1/cluster");
                return state["brokers"].EnumerateArray().Any(b => b.GetProperty("id").GetInt32() == 3 && b.GetProperty("status").GetString() == "down");
            }, TimeSpan.FromSeconds(60), "broker 3 removed from the cluster");
        await anchor.Http.ProduceAsync("journal", new { acks = "all", records = new[] { new { value = "while-away" } } }, TimeSpan.FromSeconds(30));

        var resumedAt = DateTime.UtcNow;
        paused.Resume();
        await paused.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(pid, paused.Pid);
        await PartitionLog.WaitUntilAsync(async () => (await PartitionLog.IsrAsync(anchor, "journal")).Contains(3),
            TimeSpan.FromSeconds(60), "broker 3 back in the ISR");
        _output.WriteLine($"broker 3 healthy and in sync again {(DateTime.UtcNow - resumedAt).TotalMilliseconds:F0} ms after SIGCONT, same process {pid}");

        var replica = await PartitionLog.ReadReplicaAsync(anchor, "journal", 3);
        Assert.Equal(new[] { "before", "while-away" }, replica.Select(r => r.Value));
    }
}
