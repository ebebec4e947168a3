using System.Text;
using Cluster.Bench.Load;

namespace Cluster.Bench.Tests;

public class ConsumerTests
{
    private static string Value(long stamp) => stamp.ToString("D16") + new string('x', 20);

    [Fact]
    public void A_fetch_answer_moves_the_cursor_and_counts_every_record_with_its_latency()
    {
        var clock = new RunClock();
        var state = new WorkloadState(clock, 0, long.MaxValue, 2, 36);
        var cursor = new PartitionCursor(0, 10);
        var json = $$$"""
            {"records":[
              {"offset":10,"timestamp":1,"key":null,"value":"{{{Value(1)}}}","headers":{"value":"not a record"}},
              {"offset":11,"timestamp":1,"key":"k","value":"{{{Value(1)}}}","headers":{}},
              {"offset":12,"timestamp":1,"key":null,"value":"{{{Value(2)}}}","headers":{}}],
             "nextOffset":13,"highWatermark":20,"lastStableOffset":20,"logStartOffset":0}
            """;
        var count = ConsumerLane.WalkAnswer(Encoding.UTF8.GetBytes(json), cursor, state, measureLatency: true);
        Assert.Equal(3, count);
        Assert.Equal(13, cursor.Offset);
        Assert.Equal(20, cursor.HighWatermark);
        Assert.Equal(3, state.RecordsConsumed);
        Assert.Equal(3 * 36, state.BytesConsumed);
        Assert.Equal(3, state.EndToEnd.Total.TotalCount);
    }

    [Fact]
    public void Records_stamped_before_the_window_count_but_give_no_latency()
    {
        var state = new WorkloadState(new RunClock(), measureStartMicros: 1_000, measureEndMicros: long.MaxValue, 1, 36);
        var cursor = new PartitionCursor(0, 0);
        var json = $$$"""{"records":[{"offset":0,"timestamp":1,"key":null,"value":"{{{Value(5)}}}","headers":{}}],"nextOffset":1,"highWatermark":1}""";
        ConsumerLane.WalkAnswer(Encoding.UTF8.GetBytes(json), cursor, state, measureLatency: true);
        Assert.Equal(0, state.EndToEnd.Total.TotalCount);
        Assert.Equal(1, cursor.Offset);
    }

    [Fact]
    public void An_empty_answer_keeps_the_offset()
    {
        var state = new WorkloadState(new RunClock(), 0, long.MaxValue, 1, 36);
        var cursor = new PartitionCursor(0, 7, endOffset: 9);
        Assert.Equal(0, ConsumerLane.WalkAnswer("""{"records":[],"nextOffset":7,"highWatermark":7}"""u8, cursor, state, true));
        Assert.Equal(7, cursor.Offset);
        Assert.False(cursor.Done);
    }

    [Fact]
    public void Produce_outcomes_count_in_the_window_and_errors_by_name()
    {
        var state = new WorkloadState(new RunClock(), 1_000, 2_000, recordsPerRequest: 100, recordSize: 10);
        state.Sending();
        state.Produced(new RequestOutcome(500, 500, 900, 0, true, null), 100); // warmup: neither
        state.Sending();
        state.Produced(new RequestOutcome(1_100, 1_200, 1_500, 0, true, null), 100); // measured
        state.Sending();
        state.Produced(new RequestOutcome(1_900, 1_900, 2_500, 0, true, null), 100); // latency yes, throughput no
        state.Sending();
        state.Produced(new RequestOutcome(1_500, 1_500, 1_600, 0, false, "503 NOT_ENOUGH_REPLICAS"), 100);
        Assert.Equal(100, state.RecordsAcked);
        Assert.Equal(1, state.RequestsAcked);
        Assert.Equal(1, state.RequestsFailed);
        Assert.Equal(2, state.Produce.Total.TotalCount);
        Assert.Equal(1, state.Errors["503 NOT_ENOUGH_REPLICAS"]);
        Assert.Equal(0, state.InFlight);
    }

    [Fact]
    public void Error_names_come_from_the_error_body()
    {
        Assert.Equal("503 NOT_ENOUGH_REPLICAS", ProducerLane.ErrorName(503, """{"error":"NOT_ENOUGH_REPLICAS","message":"x"}"""));
        Assert.Equal("502", ProducerLane.ErrorName(502, "<html>bad gateway</html>"));
    }
}
