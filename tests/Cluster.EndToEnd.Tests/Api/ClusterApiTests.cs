using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Api;

[Collection(SingleNodeCollection.Name)]
public class ClusterApiTests
{
    private readonly SingleNodeFixture _fixture;

    public ClusterApiTests(SingleNodeFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Health_is_up_with_the_broker_id()
    {
        var health = await _fixture.Http.GetAsync("/v1/health");
        Assert.Equal(200, health.Status);
        Assert.Equal("up", health["status"].GetString());
        Assert.Equal(1, health["brokerId"].GetInt32());
    }

    [Fact]
    public async Task Cluster_shows_the_id_the_controller_and_the_brokers()
    {
        var node = _fixture.Node;
        var cluster = await _fixture.Http.GetAsync("/v1/cluster");
        Assert.Equal(200, cluster.Status);
        Assert.False(string.IsNullOrEmpty(cluster["clusterId"].GetString()));
        Assert.Equal(1, cluster["controller"].GetInt32());
        var broker = Assert.Single(cluster["brokers"].EnumerateArray());
        Assert.Equal(1, broker.GetProperty("id").GetInt32());
        Assert.Equal("127.0.0.1", broker.GetProperty("host").GetString());
        Assert.Equal(node.AkkaPort, broker.GetProperty("port").GetInt32());
        Assert.Equal(node.HttpPort, broker.GetProperty("httpPort").GetInt32());
        Assert.Equal("up", broker.GetProperty("status").GetString());

        // The id stays.
        Assert.Equal(cluster["clusterId"].GetString(), (await _fixture.Http.GetAsync("/v1/cluster"))["clusterId"].GetString());
    }
}
