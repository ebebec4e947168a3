namespace Cluster.Bench.Tests;

public class OptionsTests
{
    private static BenchOptions Parse(params string[] args)
    {
        var parsed = BenchOptionsParser.Parse(args);
        Assert.False(parsed.Failed, parsed.Error);
        return parsed.Options!;
    }

    private static string Error(params string[] args)
    {
        var parsed = BenchOptionsParser.Parse(args);
        Assert.True(parsed.Failed);
        return parsed.Error!;
    }

    [Fact]
    public void Defaults_are_one_local_node_and_kafkas_perf_test_shape()
    {
        var o = Parse();
        Assert.Empty(o.Servers);
        Assert.Equal(1, o.Nodes);
        Assert.Equal(100, o.RecordSize);
        Assert.Equal(1000, o.RecordsPerRequest);
        Assert.Equal("all", o.Acks);
        Assert.Equal(0, o.Rate);
        Assert.True(o.Baseline);
        Assert.Equal(Routing.Leader, o.Routing);
        Assert.Equal(TimeSpan.FromSeconds(15), o.EffectiveBaselineDuration);
    }

    [Fact]
    public void Every_workload_option_is_read()
    {
        var o = Parse("--nodes", "3", "--partitions", "6", "--replication-factor", "3", "--min-insync-replicas", "2", "--acks", "-1",
            "--record-size", "200", "--records-per-request", "500", "--producers", "8", "--in-flight", "4", "--consumers", "2",
            "--rate", "20_000", "--warmup", "500ms", "--duration", "2m", "--routing", "any", "--baseline", "off",
            "--fetch-max-records", "100", "--fetch-wait-ms", "50", "--out", "x.json", "--config", "n.conf", "--quiet");
        Assert.Equal(3, o.Nodes);
        Assert.Equal(6, o.Partitions);
        Assert.Equal(3, o.ReplicationFactor);
        Assert.Equal(2, o.MinInsyncReplicas);
        Assert.Equal("all", o.Acks);
        Assert.Equal(200, o.RecordSize);
        Assert.Equal(500, o.RecordsPerRequest);
        Assert.Equal(8, o.Producers);
        Assert.Equal(4, o.InFlight);
        Assert.Equal(2, o.Consumers);
        Assert.Equal(20_000, o.Rate);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.Warmup);
        Assert.Equal(TimeSpan.FromMinutes(2), o.Duration);
        Assert.Equal(Routing.Any, o.Routing);
        Assert.False(o.Baseline);
        Assert.Equal(100, o.FetchMaxRecords);
        Assert.Equal(50, o.FetchWaitMs);
        Assert.Equal("x.json", o.Output);
        Assert.Equal("n.conf", o.NodeConfig);
        Assert.True(o.Quiet);
    }

    [Fact]
    public void Name_equals_value_works_too()
    {
        var o = Parse("--acks=1", "--servers=127.0.0.1:8081,http://127.0.0.1:8082");
        Assert.Equal("1", o.Acks);
        Assert.Equal([new Uri("http://127.0.0.1:8081"), new Uri("http://127.0.0.1:8082")], o.Servers);
    }

    [Fact]
    public void Node_environment_variables_accumulate()
    {
        var o = Parse("--node-env", "DOTNET_GCgen0size=0x4000000", "--node-env=DOTNET_TieredPGO=0");
        Assert.Equal("0x4000000", o.NodeEnvironment["DOTNET_GCgen0size"]);
        Assert.Equal("0", o.NodeEnvironment["DOTNET_TieredPGO"]);
        Assert.Contains("NAME=VALUE", Error("--node-env", "novalue"));
    }

    [Theory]
    [InlineData("30", 30_000)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("250ms", 250)]
    [InlineData("2m", 120_000)]
    public void Durations(string text, double ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), BenchOptionsParser.ParseDuration("--duration", text));

    [Fact]
    public void Scenarios_are_listed_or_all()
    {
        Assert.Equal(["single-acks1", "failover"], Parse("--scenario", "single-acks1,failover").Scenarios);
        Assert.Equal(Cluster.Bench.Scenarios.ScenarioSuite.Names, Cluster.Bench.Scenarios.ScenarioSuite.Expand(["all"]));
        Assert.Contains("unknown scenario", Error("--scenario", "fastest"));
    }

    [Fact]
    public void The_rejoin_scenario_writes_a_million_records_unless_told()
    {
        Assert.Equal(1_000_000, Parse("--scenario", "rejoin").RejoinRecords);
        Assert.Equal(2_000_000, Parse("--scenario", "rejoin", "--rejoin-records", "2_000_000").RejoinRecords);
        Assert.Contains("--rejoin-records must be an integer", Error("--rejoin-records", "0"));
    }

    [Theory]
    [InlineData("--acks", "2", "--acks must be 0, 1 or all")]
    [InlineData("--producers", "-1", "--producers must be an integer")]
    [InlineData("--duration", "soon", "--duration must be a duration")]
    [InlineData("--routing", "random", "--routing must be leader or any")]
    [InlineData("--bogus", "1", "unknown option '--bogus'")]
    [InlineData("--servers", "ftp://x", "not an http URL")]
    public void Bad_values_say_what_is_wrong(string name, string value, string expected) =>
        Assert.Contains(expected, Error(name, value));

    [Fact]
    public void Conflicts_are_refused()
    {
        Assert.Contains("exclude each other", Error("--servers", "http://a:1", "--nodes", "3"));
        Assert.Contains("needs at least as many --nodes", Error("--replication-factor", "3"));
        Assert.Contains("record-size of at least 16", Error("--consumers", "1", "--record-size", "8"));
        Assert.Contains("needs a value", Error("--rate"));
    }

    [Fact]
    public void Help_is_a_request_not_an_error()
    {
        var parsed = BenchOptionsParser.Parse(["--help"]);
        Assert.True(parsed.Help);
        Assert.False(parsed.Failed);
        Assert.Contains("--records-per-request", BenchOptionsParser.Usage);
    }
}
