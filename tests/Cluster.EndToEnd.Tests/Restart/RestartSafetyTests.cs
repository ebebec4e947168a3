using System.Text.Json;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Restart;

/// <summary>
/// Issue 3 item 6: acknowledged records survive a SIGKILL (acks=1, killed right after the
/// answer) and a graceful SIGTERM (exit code 0): after a restart on the same data dir every
/// one is at the offset it was acknowledged at, and new records follow densely.
/// </summary>
public class RestartSafetyTests
{
    private sealed record Sent(int Partition, long Offset, string? Key, string Value, string Header);

    private static async Task<List<Sent>> ProduceAcknowledgedAsync(HttpJson http, string topic, int requests)
    {
        var sent = new List<Sent>();
        for (var r = 0; r < requests; r++)
        {
            var records = Enumerable.Range(0, 5).Select(i => new
            {
                key = i == 4 ? null : $"key-{r}-{i}",
                value = $"value-{r}-{i}-" + new string('v', r * 10),
                headers = new Dictionary<string, string> { ["n"] = $"{r}.{i}" },
            }).ToArray();
            var offsets = await http.ProduceAsync(topic, new { acks = "1", records });
            sent.AddRange(records.Select((rec, i) => new Sent(offsets[i].Partition, offsets[i].Offset, rec.key, rec.value, rec.headers["n"])));
        }
        return sent;
    }

    private static async Task AssertAllThereAsync(HttpJson http, string topic, IReadOnlyCollection<Sent> sent)
    {
        foreach (var partition in sent.GroupBy(s => s.Partition))
        {
            var expected = partition.OrderBy(s => s.Offset).ToList();
            Assert.Equal(Enumerable.Range(0, expected.Count).Select(i => (long)i), expected.Select(s => s.Offset)); // dense from 0
            var fetch = await http.FetchAsync(topic, partition.Key, 0, "&maxRecords=10000");
            var records = fetch["records"].EnumerateArray().ToArray();
            Assert.Equal(expected.Count, records.Length);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Offset, records[i].GetProperty("offset").GetInt64());
                var key = records[i].GetProperty("key");
                Assert.Equal(expected[i].Key, key.ValueKind == JsonValueKind.Null ? null : key.GetString());
                Assert.Equal(expected[i].Value, records[i].GetProperty("value").GetString());
                Assert.Equal(expected[i].Header, records[i].GetProperty("headers").GetProperty("n").GetString());
            }
        }
    }

    private static async Task AssertNewRecordsFollowAsync(HttpJson http, string topic, IReadOnlyCollection<Sent> sent)
    {
        var next = sent.Where(s => s.Partition == 0).Select(s => s.Offset).DefaultIfEmpty(-1).Max() + 1;
        var offsets = await http.ProduceAsync(topic, new { acks = "1", records = new[] { new { partition = 0, value = "after restart" } } });
        Assert.Equal((0, next), offsets[0]);
    }

    [Fact]
    public Task Records_acknowledged_with_acks_1_survive_a_SIGKILL() =>
        SurvivesSigkillAsync(new NodeProcessOptions { Name = "sigkill" });

    /// <summary>
    /// The flush policy's other setting (README "Flush policy"): every journal commit fsynced
    /// before the answer. A SIGKILL loses nothing either way; this checks the setting is
    /// accepted and the node works with it.
    /// </summary>
    [Fact]
    public Task Records_acknowledged_with_acks_1_survive_a_SIGKILL_with_flush_on_append() =>
        SurvivesSigkillAsync(new NodeProcessOptions { Name = "sigkill-fsync", ExtraHocon = "cluster-log.storage.flush-on-append = on" });

    /// <summary>The same on the PostgreSQL journal (the server .ci/run starts; CLUSTER_TEST_POSTGRES).</summary>
    [Fact]
    public async Task Records_acknowledged_with_acks_1_survive_a_SIGKILL_on_PostgreSQL()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await SurvivesSigkillAsync(new NodeProcessOptions
        {
            Name = "sigkill-pg",
            ExtraArguments = ["--storage", "postgres", "--connection-string", database.ConnectionString],
        });
    }

    private static async Task SurvivesSigkillAsync(NodeProcessOptions options)
    {
        await using var node = await NodeProcess.StartAsync(options);
        var topic = Topics.Unique("sigkill");
        await node.Http.CreateTopicAsync(topic, partitions: 3);
        var sent = await ProduceAcknowledgedAsync(node.Http, topic, requests: 12);

        node.Kill(); // right after the last 200
        Assert.False(node.IsRunning);
        await node.StartAsync();

        await WithLogOnFailureAsync(node, async () =>
        {
            await AssertAllThereAsync(node.Http, topic, sent);
            await AssertNewRecordsFollowAsync(node.Http, topic, sent);
        });
    }

    private static async Task WithLogOnFailureAsync(NodeProcess node, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{node.LogTail(40)}");
        }
    }

    [Fact]
    public async Task Records_survive_a_graceful_SIGTERM_which_exits_0()
    {
        await using var node = await NodeProcess.StartAsync(new NodeProcessOptions { Name = "sigterm" });
        var topic = Topics.Unique("sigterm");
        await node.Http.CreateTopicAsync(topic, partitions: 2);
        var sent = await ProduceAcknowledgedAsync(node.Http, topic, requests: 6);

        var exitCode = await node.StopAsync();
        Assert.True(exitCode == 0, $"exit code {exitCode}\n{node.LogTail()}");
        await node.StartAsync();

        await WithLogOnFailureAsync(node, async () =>
        {
            await AssertAllThereAsync(node.Http, topic, sent);
            await AssertNewRecordsFollowAsync(node.Http, topic, sent);
        });
        // The cluster is the same one, not a new one.
        Assert.Contains(topic, (await node.Http.GetAsync("/v1/topics")).Body);
    }
}
