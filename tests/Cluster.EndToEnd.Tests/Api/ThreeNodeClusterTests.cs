using System.Text.Json;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Api;

/// <summary>Three node processes with one seed list: any node answers any request; /v1/cluster follows membership.</summary>
public class ThreeNodeClusterTests
{
    private static async Task<JsonResponse> ClusterViewAsync(NodeProcess node)
    {
        var view = await node.Http.GetAsync("/v1/cluster");
        Assert.Equal(200, view.Status);
        return view;
    }

    private static Dictionary<int, string> Statuses(JsonResponse view) =>
        view["brokers"].EnumerateArray().ToDictionary(b => b.GetProperty("id").GetInt32(), b => b.GetProperty("status").GetString()!);

    [Fact]
    public async Task Any_node_answers_any_request_and_the_cluster_view_follows_a_killed_broker()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "three");

        var views = await Task.WhenAll(cluster.Nodes.Select(ClusterViewAsync));
        Assert.Single(views.Select(v => v["clusterId"].GetString()).Distinct());
        Assert.Single(views.Select(v => v["controller"].GetInt32()).Distinct());
        Assert.Contains(views[0]["controller"].GetInt32(), new[] { 1, 2, 3 });
        Assert.Equal(new Dictionary<int, string> { [1] = "up", [2] = "up", [3] = "up" }, Statuses(views[0]));
        foreach (var broker in views[0]["brokers"].EnumerateArray())
            Assert.Equal(cluster.Broker(broker.GetProperty("id").GetInt32()).HttpPort, broker.GetProperty("httpPort").GetInt32());

        var tooMany = await cluster.Broker(1).Http.PostAsync("/v1/topics", new { name = "rf4", replicationFactor = 4 });
        Assert.Equal((400, "INVALID_REPLICATION_FACTOR"), (tooMany.Status, tooMany.Error));

        // Created through broker 1, produced through broker 2, read through broker 3.
        var topic = Topics.Unique("three");
        await cluster.Broker(1).Http.CreateTopicAsync(topic, partitions: 3, replicationFactor: 3,
            configs: new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
        var described = await cluster.Broker(3).Http.GetAsync($"/v1/topics/{topic}");
        Assert.Equal(200, described.Status);
        foreach (var partition in described["partitions"].EnumerateArray())
        {
            // Leaders are spread at creation, but a busy machine may already have moved one.
            Assert.Contains(partition.GetProperty("leader").GetInt32(), new[] { 1, 2, 3 });
            Assert.Equal(new[] { 1, 2, 3 }, partition.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()).Order());
        }

        var records = Enumerable.Range(0, 3).Select(p => new { partition = p, key = $"k{p}", value = $"v{p}" }).ToArray();
        var offsets = await cluster.Broker(2).Http.ProduceAsync(topic, new { acks = "all", records }, retryFor: TimeSpan.FromSeconds(30));
        for (var p = 0; p < 3; p++)
        {
            Assert.Equal(p, offsets[p].Partition);
            var fetched = (await cluster.Broker(3).Http.FetchAsync(topic, p, offsets[p].Offset))["records"][0];
            Assert.Equal($"v{p}", fetched.GetProperty("value").GetString());
        }

        cluster.Broker(3).Kill();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Dictionary<int, string> statuses;
        do
        {
            await Task.Delay(250);
            statuses = Statuses(await ClusterViewAsync(cluster.Broker(1)));
        } while (statuses[3] == "up" && DateTime.UtcNow < deadline);
        Assert.Contains(statuses[3], new[] { "unreachable", "down" });
        Assert.Equal("up", statuses[1]);
        Assert.Equal("up", statuses[2]);
    }
}
