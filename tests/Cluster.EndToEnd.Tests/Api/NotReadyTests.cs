using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Api;

/// <summary>A node that cannot join any cluster (its only seed is not there) answers, but only 503.</summary>
public class NotReadyTests
{
    [Fact]
    public async Task A_node_that_is_not_a_cluster_member_answers_503_everywhere()
    {
        await using var node = new NodeProcess(new NodeProcessOptions
        {
            Name = "lonely",
            SeedNodes = [$"127.0.0.1:{FreePorts.Next()}"], // nobody listens there
        });
        await node.StartAsync(waitUntilHealthy: false);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonResponse? health = null;
        while (health is null && DateTime.UtcNow < deadline)
        {
            try
            {
                health = await node.Http.GetAsync("/v1/health", TimeSpan.FromSeconds(2));
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(health);
        Assert.Equal(503, health.Status);
        Assert.Equal("LEADER_NOT_AVAILABLE", health.Error);

        foreach (var (method, path) in new[] { ("GET", "/v1/topics"), ("GET", "/v1/cluster"), ("POST", "/v1/topics"), ("GET", "/v1/topics/t/partitions/0/records?offset=0") })
        {
            var content = method == "POST" ? HttpJson.Json("""{"name":"t"}""") : null;
            var response = await node.Http.SendAsync(new HttpMethod(method), path, content);
            Assert.True(response.Status == 503 && response.Error == "LEADER_NOT_AVAILABLE", $"{method} {path}: {response}");
        }
    }
}
