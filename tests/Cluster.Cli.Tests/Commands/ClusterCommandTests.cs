using Cluster.Cli.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.Commands;

[Collection(CliNodeCollection.Name)]
public sealed class ClusterCommandTests(SingleNodeFixture fixture)
{
    private string Server => fixture.Node.BaseAddress.ToString();

    [Fact]
    public async Task Describe_shows_the_broker_the_controller_and_no_partition_in_trouble()
    {
        await fixture.Http.CreateTopicAsync(Topics.Unique("cli-cluster"), 2);

        var table = await CliRun.RunAsync(Server, null, "cluster", "describe");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"CONTROLLER\s+1", table.Out);
        Assert.Matches($@"(?m)^1\s+127\.0\.0\.1\s+{fixture.Node.AkkaPort}\s+{fixture.Node.HttpPort}\s+up\s+yes$", table.Out);
        Assert.Contains("UNDER-REPLICATED PARTITIONS (0)", table.Out);
        Assert.Contains("OFFLINE PARTITIONS (0)", table.Out);

        var json = await CliRun.RunAsync(Server, null, "cluster", "describe", "--output", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var root = json.Json;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("clusterId").GetString()));
        Assert.Equal(1, root.GetProperty("controller").GetInt32());
        var broker = Assert.Single(root.GetProperty("brokers").EnumerateArray());
        Assert.Equal("up", broker.GetProperty("status").GetString());
        Assert.True(root.GetProperty("topics").GetInt32() >= 1);
        Assert.True(root.GetProperty("partitions").GetInt32() >= 2);
        Assert.Equal(0, root.GetProperty("underReplicatedPartitions").GetArrayLength());
        Assert.Equal(0, root.GetProperty("offlinePartitions").GetArrayLength());
    }
}
