using System.Text;
using System.Text.Json;
using Cluster.Api.Produce;
using Cluster.Bench.Load;
using Cluster.Domain.Log;

namespace Cluster.Bench.Tests;

public class ProduceBodiesTests
{
    [Fact]
    public void A_body_is_valid_json_with_the_records_acks_and_sizes_asked_for()
    {
        var bodies = ProduceBodies.Build(records: 50, recordSize: 100, acks: "all", withPartition: false);
        using var doc = JsonDocument.Parse(bodies.Template);
        Assert.Equal("all", doc.RootElement.GetProperty("acks").GetString());
        var records = doc.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(50, records.Count);
        Assert.All(records, r => Assert.Equal(100, r.GetProperty("value").GetString()!.Length));
        Assert.All(records, r => Assert.False(r.TryGetProperty("partition", out _)));
    }

    [Fact]
    public void Patching_writes_the_stamp_into_every_value_and_the_partition_into_every_record()
    {
        var bodies = ProduceBodies.Build(records: 3, recordSize: 40, acks: "1", withPartition: true);
        var buffer = bodies.NewBuffer();
        bodies.Patch(buffer, stampMicros: 123_456_789, partition: 4711);
        using var doc = JsonDocument.Parse(buffer);
        foreach (var r in doc.RootElement.GetProperty("records").EnumerateArray())
        {
            Assert.Equal(4711, r.GetProperty("partition").GetInt32());
            var value = r.GetProperty("value").GetString()!;
            Assert.Equal(40, value.Length);
            Assert.Equal(123_456_789, ProduceBodies.ReadStamp(Encoding.ASCII.GetBytes(value)));
        }
        // The template itself stays as it was; a slot's buffer is patched again for its next request.
        bodies.Patch(buffer, 7, 0);
        using var again = JsonDocument.Parse(buffer);
        Assert.Equal(0, again.RootElement.GetProperty("records")[0].GetProperty("partition").GetInt32());
        Assert.Equal(7, ProduceBodies.ReadStamp(Encoding.ASCII.GetBytes(again.RootElement.GetProperty("records")[0].GetProperty("value").GetString()!)));
    }

    [Fact]
    public void The_products_own_parser_takes_a_body_as_one_batch_for_its_partition()
    {
        var bodies = ProduceBodies.Build(records: 1000, recordSize: 100, acks: "all", withPartition: true);
        var buffer = bodies.NewBuffer();
        bodies.Patch(buffer, 42, partition: 2);
        var parsed = ProduceRequestParser.Parse(buffer, new ProduceTarget("t", 3, 0, 1_048_588, 1));
        var partition = Assert.Single(parsed.Partitions);
        Assert.Equal(2, partition.Partition);
        var batch = Assert.Single(partition.Batches);
        Assert.Equal(1000, new RecordBatch(batch).RecordCount);
    }

    [Fact]
    public void Values_shorter_than_a_stamp_carry_none()
    {
        var bodies = ProduceBodies.Build(records: 2, recordSize: 8, acks: "1", withPartition: false);
        Assert.False(bodies.HasStamps);
        using var doc = JsonDocument.Parse(bodies.Template);
        Assert.Equal(8, doc.RootElement.GetProperty("records")[0].GetProperty("value").GetString()!.Length);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(9_999_999_999_999_999L)]
    public void Stamps_round_trip(long micros)
    {
        var span = new byte[ProduceBodies.StampLength + 4];
        ProduceBodies.WriteFixedDigits(span.AsSpan(0, ProduceBodies.StampLength), micros);
        Assert.Equal(micros, ProduceBodies.ReadStamp(span));
    }

    [Fact]
    public void A_value_without_a_stamp_reads_as_none()
    {
        Assert.Equal(-1, ProduceBodies.ReadStamp("hello world, no digits"u8));
        Assert.Equal(-1, ProduceBodies.ReadStamp("123"u8));
    }
}
