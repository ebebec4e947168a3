using System.Text.Json;
using Cluster.Cli.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.Commands;

[Collection(CliNodeCollection.Name)]
public sealed class ProduceConsumeTests(SingleNodeFixture fixture)
{
    private string Server => fixture.Node.BaseAddress.ToString();

    private Task<CliResult> Cli(string? stdin, params string[] args) => CliRun.RunAsync(Server, stdin, args);

    private async Task<string> TopicAsync(string prefix, int partitions)
    {
        var topic = Topics.Unique(prefix);
        await fixture.Http.CreateTopicAsync(topic, partitions);
        return topic;
    }

    [Fact]
    public async Task Lines_with_keys_go_where_the_key_says_and_come_back_with_print_key()
    {
        var topic = await TopicAsync("cli-keys", 3);
        var lines = Enumerable.Range(0, 30).Select(i => $"user-{i % 5}:event {i}").ToList();

        var produced = await Cli(string.Join('\n', lines) + "\n", "produce", topic, "--key-separator", ":", "--acks", "all");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Matches(@"PARTITION\s+RECORDS\s+FIRST-OFFSET\s+LAST-OFFSET", produced.Out);
        Assert.Contains($"Produced 30 records in ", produced.Error);

        // Every key lands on one partition (the server's murmur2 partitioner) and keeps its order there.
        var consumed = await Cli(null, "consume", topic, "--print-key", "--key-separator", ":");
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(lines.Order(), consumed.Lines.Order());
        foreach (var key in Enumerable.Range(0, 5).Select(k => $"user-{k}:"))
            Assert.Equal(lines.Where(l => l.StartsWith(key)), consumed.Lines.Where(l => l.StartsWith(key)));
        Assert.Contains("Processed a total of 30 records.", consumed.Error);
    }

    [Fact]
    public async Task Json_records_carry_partition_offset_key_and_value()
    {
        var topic = await TopicAsync("cli-jsonrec", 2);
        var produced = await Cli("a\nb\nc\nd\n", "produce", topic, "--partition", "1", "-o", "json");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Equal(4, produced.Json.GetProperty("records").GetInt64());
        var summary = Assert.Single(produced.Json.GetProperty("partitions").EnumerateArray());
        Assert.Equal(1, summary.GetProperty("partition").GetInt32());
        Assert.Equal(0, summary.GetProperty("firstOffset").GetInt64());
        Assert.Equal(3, summary.GetProperty("lastOffset").GetInt64());

        var consumed = await Cli(null, "consume", topic, "--partition", "1", "--from", "2", "-o", "json");
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        var records = consumed.Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal([2L, 3L], records.Select(r => r.GetProperty("offset").GetInt64()));
        Assert.Equal(["c", "d"], records.Select(r => r.GetProperty("value").GetString()));
        Assert.All(records, r =>
        {
            Assert.Equal(topic, r.GetProperty("topic").GetString());
            Assert.Equal(1, r.GetProperty("partition").GetInt32());
            Assert.Equal(JsonValueKind.Null, r.GetProperty("key").ValueKind);
            Assert.True(r.GetProperty("timestamp").GetInt64() > 0);
        });

        var nothingNew = await Cli(null, "consume", topic, "--from", "latest");
        Assert.True(nothingNew.ExitCode == 0, nothingNew.ToString());
        Assert.Empty(nothingNew.Out);

        var limited = await Cli(null, "consume", topic, "--from", "earliest", "--max-messages", "3");
        Assert.Equal(3, limited.Lines.Length);
    }

    [Fact]
    public async Task Long_input_is_sent_in_batches_with_acks_1()
    {
        var topic = await TopicAsync("cli-bulk", 2);
        var input = string.Join('\n', Enumerable.Range(0, 5000).Select(i => $"record-{i}")) + "\n";
        var produced = await Cli(input, "produce", topic, "--acks", "1", "--batch-size", "700", "-o", "json");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Equal(5000, produced.Json.GetProperty("records").GetInt64());
        Assert.Equal(5000, produced.Json.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("records").GetInt64()));

        // Under load a leader may miss the describe's budget for offsets (-1): ask again, bounded.
        long total = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && total != 5000; await Task.Delay(300))
        {
            var described = await Cli(null, "topics", "describe", topic, "-o", "json");
            total = described.Json.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("highWatermark").GetInt64());
        }
        Assert.Equal(5000, total);

        var acks0 = await Cli("x\ny\n", "produce", topic, "--acks", "0", "-o", "json");
        Assert.True(acks0.ExitCode == 0, acks0.ToString());
        Assert.Equal(2, acks0.Json.GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Producing_to_an_unknown_topic_or_partition_exits_1()
    {
        var missing = await Cli("x\n", "produce", "no-such-topic-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("error: UNKNOWN_TOPIC_OR_PARTITION: ", missing.Error);

        var topic = await TopicAsync("cli-nopart", 1);
        var badPartition = await Cli("x\n", "produce", topic, "--partition", "5");
        Assert.Equal(1, badPartition.ExitCode);
        Assert.StartsWith("error: UNKNOWN_TOPIC_OR_PARTITION: ", badPartition.Error);

        var consumeBadPartition = await Cli(null, "consume", topic, "--partition", "5");
        Assert.Equal(1, consumeBadPartition.ExitCode);
        Assert.StartsWith("error: UNKNOWN_TOPIC_OR_PARTITION: ", consumeBadPartition.Error);

        var outOfRange = await Cli(null, "consume", topic, "--partition", "0", "--from", "99");
        Assert.Equal(1, outOfRange.ExitCode);
        Assert.StartsWith("error: OFFSET_OUT_OF_RANGE: ", outOfRange.Error);
    }

    [Fact]
    public async Task Follow_prints_records_produced_later_and_stops_cleanly_when_cancelled()
    {
        var topic = await TopicAsync("cli-follow", 2);
        using var following = CliRun.Start(Server, null, "consume", topic, "--follow", "-o", "json");
        await Task.Delay(300);
        Assert.Equal(0, (await Cli("late-1\nlate-2\nlate-3\n", "produce", topic)).ExitCode);
        await following.WaitForLinesAsync(3, TimeSpan.FromSeconds(20));

        var result = await following.StopAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        var values = result.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").GetString()).Order().ToList();
        Assert.Equal(["late-1", "late-2", "late-3"], values);
        Assert.Contains("Processed a total of 3 records.", result.Error);
    }

    [Fact]
    public async Task Follow_ends_with_exit_1_when_the_topic_is_deleted_under_it()
    {
        var topic = await TopicAsync("cli-gone", 2);
        using var following = CliRun.Start(Server, null, "consume", topic, "--follow");
        await Task.Delay(500);
        Assert.Equal(204, (await fixture.Http.DeleteAsync($"/v1/topics/{topic}")).Status);

        var result = await following.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: UNKNOWN_TOPIC_OR_PARTITION: ", result.Error);
    }
}
