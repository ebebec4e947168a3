using System.Text.Json;
using Cluster.Cli.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.Commands;

[Collection(CliNodeCollection.Name)]
public sealed class GroupCommandTests(SingleNodeFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private string Server => fixture.Node.BaseAddress.ToString();

    private Task<CliResult> Cli(string? stdin, params string[] args) => CliRun.RunAsync(Server, stdin, args);

    private static string Keyed(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i => $"key-{i}:value-{i}")) + "\n";

    [Fact]
    public async Task A_group_member_commits_what_it_printed_and_the_next_one_goes_on_from_there()
    {
        var topic = Topics.Unique("cli-group");
        var group = Topics.Unique("g");
        await fixture.Http.CreateTopicAsync(topic, partitions: 3);
        Assert.Equal(0, (await Cli(Keyed(30), "produce", topic, "--key-separator", ":")).ExitCode);

        var first = await Cli(null, "consume", topic, "--group", group, "--max-messages", "10");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(10, first.Lines.Length);
        Assert.Contains($"Joined group '{group}'", first.Error);
        Assert.Contains($"Left group '{group}'.", first.Error);

        var rest = await Cli(null, "consume", topic, "--group", group);
        Assert.True(rest.ExitCode == 0, rest.ToString());
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"value-{i}").Order(), first.Lines.Concat(rest.Lines).Order());

        var described = await Cli(null, "groups", "describe", group, "-o", "json");
        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Equal(group, described.Json.GetProperty("group").GetString());
        Assert.Equal(0, described.Json.GetProperty("members").GetArrayLength());
        var offsets = described.Json.GetProperty("offsets").EnumerateArray().ToList();
        Assert.Equal(30, offsets.Sum(o => o.GetProperty("offset").GetInt64()));
        Assert.All(offsets, o => Assert.Equal(0, o.GetProperty("lag").GetInt64()));

        var table = await Cli(null, "groups", "describe", group);
        Assert.Matches(@"MEMBERS\s+0", table.Out);
        Assert.Matches(@"TOTAL-LAG\s+0", table.Out);

        var list = await Cli(null, "groups", "list", "-o", "json");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(group, list.Json.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));

        var unknown = await Cli(null, "groups", "reset-offsets", group, "--topic", "no-such-topic-" + Guid.NewGuid().ToString("N")[..6], "--to", "earliest");
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("error: UNKNOWN_TOPIC_OR_PARTITION: ", unknown.Error);
    }

    [Fact]
    public async Task Reset_offsets_rewinds_an_empty_group_and_is_refused_while_a_member_reads()
    {
        var topic = Topics.Unique("cli-reset");
        var group = Topics.Unique("g");
        await fixture.Http.CreateTopicAsync(topic, partitions: 2);
        Assert.Equal(0, (await Cli(Keyed(20), "produce", topic, "--key-separator", ":")).ExitCode);
        Assert.Equal(20, (await Cli(null, "consume", topic, "--group", group)).Lines.Length);

        var dryRun = await Cli(null, "groups", "reset-offsets", group, "--topic", topic, "--to", "earliest", "--dry-run", "-o", "json");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.True(dryRun.Json.GetProperty("dryRun").GetBoolean());
        Assert.All(dryRun.Json.GetProperty("offsets").EnumerateArray(), o => Assert.Equal(0, o.GetProperty("newOffset").GetInt64()));
        Assert.Empty((await Cli(null, "consume", topic, "--group", group)).Lines); // nothing was committed

        var reset = await Cli(null, "groups", "reset-offsets", group, "--topic", topic, "--to", "earliest");
        Assert.True(reset.ExitCode == 0, reset.ToString());
        Assert.Matches(@"PREVIOUS-OFFSET\s+NEW-OFFSET", reset.Out);
        Assert.Contains($"Reset the offsets of group '{group}' on 2 partition(s)", reset.Out);
        Assert.Equal(20, (await Cli(null, "consume", topic, "--group", group)).Lines.Length);

        using var member = CliRun.Start(Server, null, "consume", topic, "--group", group, "--follow");
        await member.WaitForErrorTextAsync("Joined group", Wait);
        var refused = await Cli(null, "groups", "reset-offsets", group, "--topic", topic, "--to", "earliest");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"error: NON_EMPTY_GROUP: Offsets of group '{group}' can only be reset while it has no active members", refused.Error);

        var stopped = await member.StopAsync();
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.Contains($"Left group '{group}'.", stopped.Error);
        var after = await Cli(null, "groups", "describe", group, "-o", "json");
        Assert.Equal(0, after.Json.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task Two_members_split_the_partitions_after_a_rebalance_and_read_every_record()
    {
        var topic = Topics.Unique("cli-rebalance");
        var group = Topics.Unique("g");
        await fixture.Http.CreateTopicAsync(topic, partitions: 4);

        using var a = CliRun.Start(Server, null, "consume", topic, "--group", group, "--follow", "-o", "json");
        await a.WaitForErrorTextAsync("Joined group", Wait);
        using var b = CliRun.Start(Server, null, "consume", topic, "--group", group, "--follow", "-o", "json");
        await b.WaitForErrorTextAsync("Joined group", Wait);
        await a.WaitForErrorTextAsync("Joined group", Wait, times: 2); // A joined again after B came

        Assert.Equal(0, (await Cli(Keyed(200), "produce", topic, "--key-separator", ":")).ExitCode);
        var deadline = DateTime.UtcNow + Wait;
        while (a.LinesSoFar.Length + b.LinesSoFar.Length < 200 && DateTime.UtcNow < deadline) await Task.Delay(100);

        var resultA = await a.StopAsync();
        var resultB = await b.StopAsync();
        Assert.True(resultA.ExitCode == 0 && resultB.ExitCode == 0, $"{resultA}\n{resultB}");
        var partitionsA = Partitions(resultA);
        var partitionsB = Partitions(resultB);
        Assert.NotEmpty(partitionsA);
        Assert.NotEmpty(partitionsB);
        Assert.Empty(partitionsA.Intersect(partitionsB));
        var values = resultA.Lines.Concat(resultB.Lines).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("value").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"value-{i}").Order(), values.Order());
    }

    private static HashSet<int> Partitions(CliResult result) =>
        result.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("partition").GetInt32()).ToHashSet();
}
