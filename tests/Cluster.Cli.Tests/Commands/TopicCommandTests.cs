using Cluster.Cli.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.Commands;

[Collection(CliNodeCollection.Name)]
public sealed class TopicCommandTests(SingleNodeFixture fixture)
{
    private string Server => fixture.Node.BaseAddress.ToString();

    private Task<CliResult> Cli(params string[] args) => CliRun.RunAsync(Server, null, args);

    /// <summary>
    /// A describe once every partition's leader has answered: under load a leader may miss the
    /// server's 3 s budget for offsets, which then shows -1 ("?"), so ask again (bounded).
    /// </summary>
    private async Task<CliResult> DescribedAsync(params string[] args)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var described = await Cli(args);
            var unknown = described.Out.Contains("\"highWatermark\": -1", StringComparison.Ordinal) || described.Out.Contains("  ?  ", StringComparison.Ordinal);
            if (described.ExitCode != 0 || !unknown || DateTime.UtcNow > deadline) return described;
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Create_describe_alter_delete_round_trip_in_tables()
    {
        var topic = Topics.Unique("cli-topic");

        var created = await Cli("topics", "create", topic, "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=600000");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains($"Created topic '{topic}' with 3 partition(s), replication factor 1.", created.Out);
        Assert.Matches(@"PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+LOG-START\s+HIGH-WATERMARK\s+LOG-END\s+STATE", created.Out);

        var list = await Cli("topics", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(topic, list.Lines);

        var described = await DescribedAsync("topics", "describe", topic);
        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Matches($@"NAME\s+{topic}", described.Out);
        Assert.Matches(@"PARTITIONS\s+3", described.Out);
        Assert.Matches(@"retention\.ms\s+600000", described.Out);
        Assert.Matches(@"(?m)^2\s+1\s+\d+\s+\[1\]\s+\[1\]\s+0\s+0\s+0\s+ok$", described.Out);

        var altered = await Cli("topics", "alter", topic, "--config", "retention.ms=60000", "--config", "retention.bytes=1048576");
        Assert.True(altered.ExitCode == 0, altered.ToString());
        Assert.Matches(@"retention\.ms\s+60000", altered.Out);
        Assert.Matches(@"retention\.bytes\s+1048576", altered.Out);

        var deleted = await Cli("topics", "delete", topic);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Contains($"Deleted topic '{topic}'.", deleted.Out);
        Assert.DoesNotContain(topic, (await Cli("topics", "list")).Lines);
    }

    [Fact]
    public async Task Json_output_has_the_contract_shapes()
    {
        var topic = Topics.Unique("cli-json");
        var created = await Cli("--output", "json", "topics", "create", topic, "--partitions", "2");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(topic, created.Json.GetProperty("name").GetString());
        Assert.Equal(2, created.Json.GetProperty("partitions").GetArrayLength());

        var described = await DescribedAsync("topics", "describe", topic, "-o", "json");
        var partition = described.Json.GetProperty("partitions")[1];
        Assert.Equal(1, partition.GetProperty("partition").GetInt32());
        Assert.Equal(1, partition.GetProperty("leader").GetInt32());
        Assert.Equal([1], partition.GetProperty("isr").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0, partition.GetProperty("highWatermark").GetInt64());
        Assert.Equal("1", described.Json.GetProperty("configs").GetProperty("min.insync.replicas").GetString());

        var list = await Cli("topics", "list", "-o", "json");
        Assert.Contains(topic, list.Json.GetProperty("topics").EnumerateArray().Select(e => e.GetString()));

        var altered = await Cli("-o", "json", "topics", "alter", topic, "--config", "retention.ms=1000");
        Assert.Equal("1000", altered.Json.GetProperty("configs").GetProperty("retention.ms").GetString());

        var deleted = await Cli("-o", "json", "topics", "delete", topic);
        Assert.Equal(topic, deleted.Json.GetProperty("deleted").GetString());
    }

    [Fact]
    public async Task Server_refusals_exit_1_with_the_error_name_and_message()
    {
        var topic = Topics.Unique("cli-dup");
        Assert.Equal(0, (await Cli("topics", "create", topic)).ExitCode);

        var duplicate = await Cli("topics", "create", topic);
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Equal($"error: TOPIC_ALREADY_EXISTS: Topic '{topic}' already exists", duplicate.Error.Trim());
        Assert.Empty(duplicate.Out);

        var badConfig = await Cli("topics", "create", Topics.Unique("cli-badcfg"), "--config", "no.such.config=1");
        Assert.Equal(1, badConfig.ExitCode);
        Assert.StartsWith("error: INVALID_CONFIG: ", badConfig.Error);

        var tooManyReplicas = await Cli("topics", "create", Topics.Unique("cli-rf"), "--replication-factor", "3");
        Assert.Equal(1, tooManyReplicas.ExitCode);
        Assert.StartsWith("error: INVALID_REPLICATION_FACTOR: ", tooManyReplicas.Error);

        var unknown = await Cli("topics", "describe", "no-such-topic-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("error: UNKNOWN_TOPIC_OR_PARTITION: ", unknown.Error);
        Assert.DoesNotContain("   at ", unknown.Error); // no stack trace
    }

    [Theory]
    [InlineData("topics create")]
    [InlineData("topics create x --config novalue")]
    [InlineData("topics create x --partitions many")]
    [InlineData("topics alter x")]
    [InlineData("topics frobnicate")]
    [InlineData("produce x --acks 2")]
    [InlineData("consume x --from 12")]
    [InlineData("consume x --from yesterday")]
    [InlineData("--output xml topics list")]
    public async Task Usage_errors_exit_2_without_calling_the_server(string commandLine)
    {
        // A server nobody listens on: a usage error must be found before any request.
        var result = await CliRun.RunAsync("http://127.0.0.1:1", null, commandLine.Split(' '));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error);
        Assert.DoesNotContain("cannot reach", result.Error);
    }

    [Fact]
    public async Task An_unreachable_server_is_named_and_the_next_one_of_the_list_answers()
    {
        var dead = $"http://127.0.0.1:{FreePorts.Next()}";
        var refused = await CliRun.RunAsync(dead, null, "topics", "list");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"error: cannot reach the server {dead} (connection refused)", refused.Error.Trim());

        var failover = await CliRun.RunAsync($"{dead},{Server}", null, "cluster", "describe", "-o", "json");
        Assert.True(failover.ExitCode == 0, failover.ToString());
        Assert.Equal(1, failover.Json.GetProperty("controller").GetInt32());
    }
}
