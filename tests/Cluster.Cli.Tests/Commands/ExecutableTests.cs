using Cluster.Cli.Tests.Infrastructure;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.Cli.Tests.Commands;

/// <summary>The executable itself: stdin from a pipe, exit codes of the process, Ctrl-C (SIGINT).</summary>
[Collection(CliNodeCollection.Name)]
public sealed class ExecutableTests(SingleNodeFixture fixture)
{
    private string Server => fixture.Node.BaseAddress.ToString();

    [Fact]
    public async Task Exit_codes_and_messages_of_the_process()
    {
        var topic = Topics.Unique("cli-exe");
        var created = await CliProcess.RunAsync(Server, null, "topics", "create", topic, "--partitions", "2");
        Assert.True(created.ExitCode == 0, created.ToString());

        var duplicate = await CliProcess.RunAsync(Server, null, "topics", "create", topic);
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Equal($"error: TOPIC_ALREADY_EXISTS: Topic '{topic}' already exists", duplicate.Error.Trim());

        var usage = await CliProcess.RunAsync(Server, null, "topics", "create", topic, "--partitions");
        Assert.Equal(2, usage.ExitCode);

        var produced = await CliProcess.RunAsync(Server, "a:1\nb:2\nc:3\n", "produce", topic, "--key-separator", ":", "-o", "json");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Equal(3, produced.Json.GetProperty("records").GetInt64());

        var help = await CliProcess.RunAsync(Server, null, "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("topics", help.Out);
        Assert.Contains("consume", help.Out);
    }

    [Fact]
    public async Task Ctrl_c_ends_a_follow_with_exit_code_0()
    {
        var topic = Topics.Unique("cli-sigint");
        await fixture.Http.CreateTopicAsync(topic);
        await fixture.Http.ProduceAsync(topic, new { records = new[] { new { value = "before" } } });

        using var follower = CliProcess.Start(Server, "consume", topic, "--follow");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!follower.OutSoFar.Contains("before") && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains("before", follower.OutSoFar);

        follower.Signal(2); // SIGINT, as Ctrl-C sends
        var result = await follower.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Processed a total of 1 records.", result.Error);
    }
}
