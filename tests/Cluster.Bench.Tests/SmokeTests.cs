using System.Text.Json;

namespace Cluster.Bench.Tests;

/// <summary>
/// A few seconds of the real thing: the tool starts one node process, writes the baseline,
/// produces and consumes a little, and writes its JSON. Checks the fields and that counts
/// are not zero; never a speed.
/// </summary>
public class SmokeTests
{
    [Fact]
    public async Task A_short_run_against_one_local_node_writes_a_complete_result()
    {
        var output = Path.Combine(Path.GetTempPath(), $"cluster-bench-smoke-{Guid.NewGuid():N}.json");
        var markdown = Path.ChangeExtension(output, ".md");
        string[] args =
        [
            "--nodes", "1", "--partitions", "2", "--acks", "1", "--producers", "2", "--in-flight", "2", "--records-per-request", "100",
            "--consumers", "1", "--rate", "5000", "--warmup", "1s", "--duration", "3s", "--baseline-duration", "1s", "--fetch-wait-ms", "100",
            "--out", output, "--markdown", markdown, "--quiet",
        ];
        var parsed = BenchOptionsParser.Parse(args);
        Assert.False(parsed.Failed, parsed.Error);
        var log = new StringWriter();
        try
        {
            var exit = await Program.RunAsync(parsed.Options!, args, log);
            Assert.True(exit == 0, log.ToString());

            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            var run = doc.RootElement.GetProperty("runs")[0];
            Assert.True(run.GetProperty("error").ValueKind == JsonValueKind.Null, log.ToString());
            var produce = run.GetProperty("produce");
            Assert.True(produce.GetProperty("records").GetInt64() > 0, log.ToString());
            Assert.True(produce.GetProperty("recordsPerSec").GetDouble() > 0);
            Assert.True(produce.GetProperty("latencyMs").GetProperty("count").GetInt64() > 0);
            Assert.True(produce.GetProperty("latencyMs").GetProperty("p99").GetDouble() > 0);
            var consume = run.GetProperty("consume");
            Assert.True(consume.GetProperty("records").GetInt64() > 0, log.ToString());
            Assert.True(consume.GetProperty("endToEndLatencyMs").GetProperty("count").GetInt64() > 0);
            Assert.True(run.GetProperty("baseline").GetProperty("recordsPerSec").GetDouble() > 0);
            Assert.True(run.GetProperty("ratioToBaseline").GetDouble() > 0);
            Assert.True(run.GetProperty("nodes")[0].GetProperty("peakRssMb").GetDouble() > 0);
            Assert.True(doc.RootElement.GetProperty("machine").GetProperty("cores").GetInt32() > 0);
            Assert.Contains("| run |", await File.ReadAllTextAsync(markdown));
        }
        finally
        {
            File.Delete(output);
            File.Delete(markdown);
        }
    }
}
