using Cluster.Cli.Commands;
using Cluster.Cli.Http;
using Cluster.Cli.Model;
using Cluster.Cli.Output;
using Cluster.Cli.Produce;

namespace Cluster.Cli.Tests.Unit;

public sealed class ParsingTests
{
    [Fact]
    public void Servers_are_a_comma_separated_list_with_http_by_default()
    {
        var servers = ClusterClient.ParseServers("127.0.0.1:8081, http://10.0.0.2:8082/,https://node3:443");
        Assert.Equal(["http://127.0.0.1:8081", "http://10.0.0.2:8082", "https://node3"], servers.Select(ClusterClient.Display));
        Assert.Throws<UsageException>(() => ClusterClient.ParseServers(""));
        Assert.Throws<UsageException>(() => ClusterClient.ParseServers("ftp://x:1"));
    }

    [Fact]
    public void Configs_are_key_value_pairs_and_a_value_may_hold_equals_signs()
    {
        var configs = CommandLine.ParseConfigs(["retention.ms=1000", "x=a=b"]);
        Assert.Equal("1000", configs["retention.ms"]);
        Assert.Equal("a=b", configs["x"]);
        Assert.Throws<UsageException>(() => CommandLine.ParseConfigs(["novalue"]));
        Assert.Throws<UsageException>(() => CommandLine.ParseConfigs(["=1"]));
        Assert.Throws<UsageException>(() => CommandLine.ParseConfigs(["a=1", "a=2"]));
    }

    [Fact]
    public void Positions_are_earliest_latest_or_an_offset()
    {
        Assert.Equal(StartPosition.Earliest, CommandLine.ParsePosition("earliest", "--from"));
        Assert.Equal(StartPosition.Latest, CommandLine.ParsePosition("LATEST", "--from"));
        Assert.Equal(StartPosition.At(42), CommandLine.ParsePosition("42", "--from"));
        Assert.Throws<UsageException>(() => CommandLine.ParsePosition("-1", "--from"));
        Assert.Throws<UsageException>(() => CommandLine.ParsePosition("soon", "--from"));
    }

    [Fact]
    public void A_line_is_split_at_the_first_key_separator()
    {
        var keyed = new LineRecords(":", null);
        Assert.Equal(new ProduceRecord("k", "v:w"), keyed.Parse("k:v:w"));
        Assert.Equal(new ProduceRecord(null, "no separator"), keyed.Parse("no separator"));
        Assert.Equal(new ProduceRecord("", ""), keyed.Parse(":"));
        Assert.Equal(new ProduceRecord(null, "k:v", 2), new LineRecords(null, 2).Parse("k:v"));
    }

    [Fact]
    public async Task Lines_are_batched_by_count_and_by_size()
    {
        var records = new LineRecords(null, null);
        var byCount = await ToListAsync(records.BatchesAsync(new StringReader("1\n2\n3\n4\n5\n"), 2, 1 << 20));
        Assert.Equal([2, 2, 1], byCount.Select(b => b.Count));

        var big = new string('x', 600);
        var bySize = await ToListAsync(records.BatchesAsync(new StringReader($"{big}\n{big}\n{big}\n"), 500, 1000));
        Assert.Equal([1, 1, 1], bySize.Select(b => b.Count));
        Assert.Empty(await ToListAsync(records.BatchesAsync(new StringReader(""), 500, 1000)));
    }

    [Fact]
    public void Tables_align_columns_and_show_missing_values_as_a_dash()
    {
        var table = new TextTable("ID", "NAME", "LIST").Add(1, "a", new[] { 1, 2 }).Add(10, null, Array.Empty<int>());
        Assert.Equal("ID  NAME  LIST\n1   a     [1,2]\n10  -     []\n", table.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Cluster_summary_finds_under_replicated_and_offline_partitions()
    {
        var cluster = new ClusterInfo("c", 2, [new BrokerInfo(2, "h", 1, 2, "up"), new BrokerInfo(1, "h", 1, 2, "down")]);
        PartitionInfo P(int p, int leader, int[] replicas, int[] isr) => new(p, leader, 1, replicas, isr, 0, 0, 0, 0);
        var topics = new[]
        {
            new TopicInfo("b", new Dictionary<string, string>(), [P(0, 2, [1, 2], [2]), P(1, -1, [1], [1])]),
            new TopicInfo("a", new Dictionary<string, string>(), [P(0, 2, [2], [2])]),
        };
        var report = ClusterCommands.Summarize(cluster, topics);
        Assert.Equal([1, 2], report.Brokers.Select(b => b.Id));
        Assert.Equal(2, report.Topics);
        Assert.Equal(3, report.Partitions);
        Assert.Equal(("b", 0), (report.UnderReplicatedPartitions.Single().Topic, report.UnderReplicatedPartitions.Single().Partition));
        Assert.Equal(("b", 1), (report.OfflinePartitions.Single().Topic, report.OfflinePartitions.Single().Partition));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }
}
