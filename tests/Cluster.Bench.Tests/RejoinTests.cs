using System.Text.Json.Nodes;
using Cluster.Bench.Load;
using Cluster.Bench.Scenarios;

namespace Cluster.Bench.Tests;

public class RejoinTests
{
    [Fact]
    public void The_isr_of_each_partition_is_read_from_a_topic_description()
    {
        var description = JsonNode.Parse("""
            {"name":"t","configs":{},"partitions":[
              {"partition":1,"leader":2,"leaderEpoch":1,"replicas":[1,2,3],"isr":[2,3],"logStartOffset":0,"highWatermark":5,"lastStableOffset":5,"logEndOffset":5},
              {"partition":0,"leader":1,"leaderEpoch":0,"replicas":[1,2,3],"isr":[1,2,3],"logStartOffset":0,"highWatermark":7,"lastStableOffset":7,"logEndOffset":7}]}
            """);
        var isr = ClusterAdmin.ParseIsr(description)!;
        Assert.Equal([1, 2, 3], isr[0]);
        Assert.Equal([2, 3], isr[1]);
    }

    [Fact]
    public void An_error_answer_has_no_isr() =>
        Assert.Null(ClusterAdmin.ParseIsr(JsonNode.Parse("""{"error":"UNKNOWN_TOPIC_OR_PARTITION","message":"no such topic"}""")));

    [Fact]
    public void Rejoin_time_is_given_per_million_records()
    {
        var f = new RejoinFigures(2_000_000, 3.5, 12.0);
        Assert.Equal(6.0, f.SecondsPerMillionRecords);
        Assert.Equal(166_667, f.ToExtra()["catchUpRecordsPerSec"]);
        Assert.Equal(12.0, f.ToExtra()["inIsrSeconds"]);
        Assert.Equal(0, new RejoinFigures(0, 1, 2).SecondsPerMillionRecords);
    }
}
