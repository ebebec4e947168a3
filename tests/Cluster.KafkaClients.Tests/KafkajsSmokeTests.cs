using System.Diagnostics;
using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.KafkaClients.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Cluster.KafkaClients.Tests;

/// <summary>
/// A second client: kafkajs 2.2.4 from npm (tests/kafkajs, installed by <c>npm ci</c> in .ci/run)
/// creates a topic, produces with an idempotent acks=all producer, lists offsets, and consumes
/// in a group with commits. Without node_modules the spec fails under CI and is skipped elsewhere.
/// </summary>
[Collection(SingleKafkaNodeCollection.Name)]
public sealed class KafkajsSmokeTests(SingleKafkaNodeFixture fixture, ITestOutputHelper output)
{
    /// <summary>The group consume needs the group coordinator (issue 7) behind FindCoordinator/JoinGroup/SyncGroup.</summary>
    private const bool WithGroup = true;

    [Fact]
    public async Task Kafkajs_creates_a_topic_produces_idempotently_and_consumes_in_a_group()
    {
        var dir = KafkajsDirectory();
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "kafkajs")))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"kafkajs is not installed in {dir}: run npm ci there");
            output.WriteLine($"skipped: kafkajs is not installed in {dir} (npm ci)");
            return;
        }

        var topic = Topics.Unique("kjs");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "smoke.js", "--brokers", fixture.Bootstrap, "--topic", topic, "--count", "100" })
            start.ArgumentList.Add(a);
        if (WithGroup)
        {
            start.ArgumentList.Add("--group");
            start.ArgumentList.Add("g-" + topic);
        }
        start.Environment["KAFKAJS_NO_PARTITIONER_WARNING"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(100));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        Assert.True(process.ExitCode == 0, $"kafkajs smoke test failed:\n{await stdout}\n{await stderr}\n{fixture.Node.LogTail(30)}");

        // What kafkajs wrote is there for the HTTP door too.
        var fetched = await fixture.Node.Http.FetchAsync(topic, 0, 0);
        Assert.Equal(50, fetched["records"].GetArrayLength());
        Assert.Equal("v0", fetched["records"][0].GetProperty("value").GetString());
    }

    private static string KafkajsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Akka.Cluster.sln")))
                return Path.Combine(dir.FullName, "tests", "kafkajs");
        throw new DirectoryNotFoundException("No Akka.Cluster.sln above " + AppContext.BaseDirectory);
    }
}
