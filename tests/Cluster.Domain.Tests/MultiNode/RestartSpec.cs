using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.Domain.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class RestartSpec
{
    private readonly ITestOutputHelper _output;

    public RestartSpec(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Every_broker_can_leave_gracefully_and_come_back_into_the_isr()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster.CreateTopicAsync("rolling", 1, 3, new() { ["min.insync.replicas"] = "2" });
        for (var round = 0; round < 2; round++)
        {
            foreach (var broker in new[] { 1, 2, 3 })
            {
                await cluster.WaitUntilAsync(() => cluster.Partition("rolling", 0).Isr.Length == 3, TimeSpan.FromSeconds(30), $"full ISR before stopping {broker}");
                var client = cluster.Running.First(n => n.BrokerId != broker).Gateway;
                Assert.Equal(ErrorCode.None, (await client.ProduceAsync("rolling", 0, TestCluster.Batch($"r{round}-b{broker}"), Acks.All)).Error);
                await cluster.StopGracefullyAsync(broker);
                cluster.Start(broker);
                _output.WriteLine($"round {round}: broker {broker} restarted; partition {cluster.Partition("rolling", 0)}");
            }
        }
        await cluster.WaitUntilAsync(() => cluster.Partition("rolling", 0).Isr.Length == 3, TimeSpan.FromSeconds(30), "full ISR at the end");
    }
}
