using System.Text;
using Cluster.Api.Http;
using Cluster.Api.Produce;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Record = Cluster.Domain.Log.Record;

namespace Cluster.Api.Tests;

public class ProduceRequestParserTests
{
    private const long Now = 1_732_521_600_000;

    private static ProduceTarget Target(int partitions = 1, int nullKeyPartition = 0, int maxBatchBytes = 1_048_588) =>
        new("orders", partitions, nullKeyPartition, maxBatchBytes, Now);

    private static ParsedProduce Parse(string json, ProduceTarget? target = null) =>
        ProduceRequestParser.Parse(Encoding.UTF8.GetBytes(json), target ?? Target());

    private static ApiException Refused(string json, ProduceTarget? target = null) =>
        Assert.Throws<ApiException>(() => Parse(json, target));

    private static List<Record> RecordsOf(byte[] batch) => new RecordBatch(batch).Records.ToList();

    private static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;

    [Fact]
    public void Utf8_records_with_keys_values_and_headers_become_one_batch()
    {
        var parsed = Parse("""
            {"acks":"1","records":[
              {"key":"user-7","value":"hello","headers":{"h":"v","n":null}},
              {"key":null,"value":null},
              {"value":"caf\u00e9 \"quoted\""}
            ]}
            """);

        Assert.Equal(Acks.Leader, parsed.Options.Acks);
        var partition = Assert.Single(parsed.Partitions);
        var batch = new RecordBatch(Assert.Single(partition.Batches));
        Assert.Equal(3, batch.RecordCount);
        Assert.Equal(-1, batch.ProducerId);
        var records = RecordsOf(partition.Batches[0]);
        Assert.Equal("user-7", Text(records[0].Key));
        Assert.Equal("hello", Text(records[0].Value));
        Assert.Equal(2, records[0].Headers.Count);
        Assert.Equal("h", records[0].Headers[0].Key);
        Assert.Equal("v", Text(records[0].Headers[0].Value));
        Assert.Null(records[0].Headers[1].Value);
        Assert.Null(records[1].Key);
        Assert.Null(records[1].Value);
        Assert.Equal("café \"quoted\"", Text(records[2].Value));
        Assert.All(records, r => Assert.Equal(Now, r.Timestamp));
        Assert.Equal(new[] { 0, 1, 2 }, parsed.Records.Select(r => r.OffsetDelta));
    }

    [Fact]
    public void Base64_applies_to_keys_values_and_header_values_even_when_given_after_the_records()
    {
        var binary = new byte[] { 0, 255, 128, 10, 13 };
        var key = Convert.ToBase64String("k"u8.ToArray());
        var value = Convert.ToBase64String(binary);
        var parsed = Parse("{\"records\":[{\"key\":\"" + key + "\",\"value\":\"" + value + "\",\"headers\":{\"h\":\"" + value + "\"}}]," +
                           "\"encoding\":\"base64\"}");
        var record = Assert.Single(RecordsOf(parsed.Partitions[0].Batches[0]));
        Assert.Equal("k", Text(record.Key));
        Assert.Equal(binary, record.Value!.Value.ToArray());
        Assert.Equal(binary, record.Headers[0].Value!.Value.ToArray());
    }

    [Fact]
    public void Base64_with_escaped_slashes_is_decoded()
    {
        var bytes = new byte[] { 0xFF, 0xFF, 0xFF }; // "////"
        var parsed = Parse("""{"encoding":"base64","records":[{"value":"\/\/\/\/"}]}""");
        Assert.Equal(bytes, RecordsOf(parsed.Partitions[0].Batches[0])[0].Value!.Value.ToArray());
    }

    [Theory]
    [InlineData("\"not base64!\"")]
    [InlineData("\"abc\"")]
    public void Invalid_base64_is_refused(string value)
    {
        var e = Refused($$"""{"encoding":"base64","records":[{"value":{{value}}}]}""");
        Assert.Equal(ErrorCode.InvalidRequest, e.Error);
        Assert.Equal(400, e.Status);
        Assert.Contains("base64", e.Message);
    }

    [Fact]
    public void Keyed_records_go_where_Kafkas_partitioner_puts_them_and_explicit_partitions_win()
    {
        var keys = Enumerable.Range(0, 20).Select(i => $"key-{i}").ToArray();
        var json = "{\"records\":[" + string.Join(",", keys.Select(k => $"{{\"key\":\"{k}\",\"value\":\"v\"}}")) +
                   ",{\"key\":\"key-0\",\"partition\":5,\"value\":\"v\"}]}";
        var parsed = Parse(json, Target(partitions: 6));
        for (var i = 0; i < keys.Length; i++)
        {
            var expected = DefaultPartitioner.PartitionForKey(Encoding.UTF8.GetBytes(keys[i]), 6);
            Assert.Equal(expected, parsed.Partitions[parsed.Records[i].Slot].Partition);
        }
        Assert.Equal(5, parsed.Partitions[parsed.Records[^1].Slot].Partition);
    }

    [Fact]
    public void Records_without_key_or_partition_go_to_the_sticky_partition()
    {
        var parsed = Parse("""{"records":[{"value":"a"},{"value":"b"},{"key":null,"value":"c"}]}""", Target(partitions: 4, nullKeyPartition: 3));
        var partition = Assert.Single(parsed.Partitions);
        Assert.Equal(3, partition.Partition);
        Assert.Equal(3, partition.RecordCounts.Single());
    }

    [Theory]
    [InlineData("\"0\"", Acks.None)]
    [InlineData("\"1\"", Acks.Leader)]
    [InlineData("\"all\"", Acks.All)]
    [InlineData("\"-1\"", Acks.All)]
    [InlineData("null", Acks.All)]
    [InlineData("1", Acks.Leader)]
    [InlineData("-1", Acks.All)]
    public void Acks_values(string acks, Acks expected) =>
        Assert.Equal(expected, Parse($$"""{"acks":{{acks}},"records":[{"value":"v"}]}""").Options.Acks);

    [Fact]
    public void Acks_default_to_all() => Assert.Equal(Acks.All, Parse("""{"records":[{"value":"v"}]}""").Options.Acks);

    [Theory]
    [InlineData("""{"acks":"2","records":[{"value":"v"}]}""", "acks")]
    [InlineData("""{"acks":true,"records":[{"value":"v"}]}""", "acks")]
    [InlineData("""{"encoding":"hex","records":[{"value":"v"}]}""", "encoding")]
    [InlineData("""{"acks":"1"}""", "records")]
    [InlineData("""{"records":null}""", "records")]
    [InlineData("""{"records":{}}""", "records")]
    [InlineData("""{"records":"x"}""", "records")]
    [InlineData("""{"records":[]}""", "records")]
    [InlineData("""{"records":[1]}""", "records[0]")]
    [InlineData("""{"records":[{"key":1}]}""", "records[0].key")]
    [InlineData("""{"records":[{"value":{"a":1}}]}""", "records[0].value")]
    [InlineData("""{"records":[{"value":"v"},{"value":true}]}""", "records[1].value")]
    [InlineData("""{"records":[{"partition":"0","value":"v"}]}""", "records[0].partition")]
    [InlineData("""{"records":[{"partition":0.5,"value":"v"}]}""", "records[0].partition")]
    [InlineData("""{"records":[{"headers":[],"value":"v"}]}""", "records[0].headers")]
    [InlineData("""{"records":[{"headers":{"h":1},"value":"v"}]}""", "headers.h")]
    [InlineData("""{"producerId":"7","records":[{"value":"v"}]}""", "producerId")]
    [InlineData("""{"producerId":7,"records":[{"value":"v"}]}""", "producerEpoch")]
    [InlineData("""{"producerId":7,"producerEpoch":0,"records":[{"value":"v"}]}""", "baseSequence")]
    [InlineData("""{"producerEpoch":0,"records":[{"value":"v"}]}""", "producerEpoch")]
    [InlineData("""{"producerId":-5,"producerEpoch":0,"baseSequence":0,"records":[{"value":"v"}]}""", "producerId")]
    [InlineData("""{"producerId":1,"producerEpoch":40000,"baseSequence":0,"records":[{"value":"v"}]}""", "producerEpoch")]
    [InlineData("""{"transactionalId":5,"records":[{"value":"v"}]}""", "transactionalId")]
    [InlineData("[]", "JSON object")]
    [InlineData("", "empty")]
    [InlineData("{\"records\":[", "not valid JSON")]
    [InlineData("{\"records\":[{\"value\":\"v\"}]} trailing", "not valid JSON")]
    [InlineData("{'records':[]}", "not valid JSON")]
    public void Bad_requests_are_400_INVALID_REQUEST_naming_the_field(string json, string named)
    {
        var e = Refused(json);
        Assert.Equal(ErrorCode.InvalidRequest, e.Error);
        Assert.Equal(400, e.Status);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Invalid_utf8_in_a_utf8_value_is_refused()
    {
        var body = Encoding.UTF8.GetBytes("""{"records":[{"value":"AB"}]}""");
        var at = Array.IndexOf(body, (byte)'A');
        body[at] = 0xC3; // a lead byte followed by 'B': not UTF-8
        var e = Assert.Throws<ApiException>(() => ProduceRequestParser.Parse(body, Target()));
        Assert.Equal(400, e.Status);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void A_partition_the_topic_does_not_have_is_UNKNOWN_TOPIC_OR_PARTITION(int partition)
    {
        var e = Refused($$"""{"records":[{"partition":{{partition}},"value":"v"}]}""", Target(partitions: 3));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, e.Error);
        Assert.Equal(404, e.Status);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        var parsed = Parse("""{"extra":{"deep":[1,2,{"x":null}]},"records":[{"value":"v","other":[1],"timestampX":5}],"more":1}""");
        Assert.Single(parsed.Records);
    }

    [Fact]
    public void An_idempotent_request_is_one_batch_with_the_producer_fields()
    {
        var parsed = Parse("""{"producerId":42,"producerEpoch":3,"baseSequence":10,"records":[{"value":"a"},{"value":"b"}]}""");
        var batch = new RecordBatch(parsed.Partitions.Single().Batches.Single());
        Assert.Equal(42, batch.ProducerId);
        Assert.Equal(3, batch.ProducerEpoch);
        Assert.Equal(10, batch.BaseSequence);
        Assert.False(batch.IsTransactional);
    }

    [Fact]
    public void An_idempotent_request_must_stay_on_one_partition()
    {
        var e = Refused("""{"producerId":42,"producerEpoch":3,"baseSequence":0,"records":[{"partition":0,"value":"a"},{"partition":1,"value":"b"}]}""",
            Target(partitions: 2));
        Assert.Equal(ErrorCode.InvalidRequest, e.Error);
        Assert.Contains("one partition", e.Message);
    }

    [Fact]
    public void A_transactional_id_is_parsed_and_marks_the_batch_transactional()
    {
        var parsed = Parse("""{"transactionalId":"tx-1","producerId":1,"producerEpoch":0,"baseSequence":0,"records":[{"value":"a"}]}""");
        Assert.Equal("tx-1", parsed.Options.TransactionalId);
        Assert.True(new RecordBatch(parsed.Partitions[0].Batches[0]).IsTransactional);
    }

    [Fact]
    public void Records_over_max_message_bytes_are_split_into_batches_that_each_fit()
    {
        const int max = 1000;
        var values = Enumerable.Range(0, 50).Select(i => new string((char)('a' + i % 26), 90)).ToArray();
        var json = "{\"records\":[" + string.Join(",", values.Select(v => $"{{\"value\":\"{v}\"}}")) + "]}";
        var parsed = Parse(json, Target(maxBatchBytes: max));

        var partition = parsed.Partitions.Single();
        Assert.True(partition.Batches.Count > 1);
        Assert.All(partition.Batches, b => Assert.True(b.Length <= max, $"a batch of {b.Length} bytes"));
        Assert.Equal(values.Length, partition.RecordCounts.Sum());

        // Each placement points at the record it came from.
        for (var i = 0; i < values.Length; i++)
        {
            var placement = parsed.Records[i];
            var record = RecordsOf(partition.Batches[placement.Batch])[placement.OffsetDelta];
            Assert.Equal(values[i], Text(record.Value));
        }
    }

    [Fact]
    public void A_batch_filled_to_the_byte_is_not_split()
    {
        // One record alone, then exactly as many bytes as that batch: it must fit.
        var one = Parse("""{"records":[{"key":"k","value":"0123456789"}]}""").Partitions[0].Batches[0].Length;
        var parsed = Parse("""{"records":[{"key":"k","value":"0123456789"}]}""", Target(maxBatchBytes: one));
        Assert.Single(parsed.Partitions[0].Batches);
        Assert.Throws<ApiException>(() => Parse("""{"records":[{"key":"k","value":"0123456789"}]}""", Target(maxBatchBytes: one - 1)));
    }

    [Fact]
    public void A_single_record_over_max_message_bytes_is_RECORD_LIST_TOO_LARGE()
    {
        var e = Refused($$"""{"records":[{"value":"{{new string('x', 2000)}}"}]}""", Target(maxBatchBytes: 1000));
        Assert.Equal(ErrorCode.RecordListTooLarge, e.Error);
        Assert.Equal(400, e.Status);
    }

    [Fact]
    public void An_idempotent_request_over_max_message_bytes_is_RECORD_LIST_TOO_LARGE_not_split()
    {
        var json = "{\"producerId\":1,\"producerEpoch\":0,\"baseSequence\":0,\"records\":[" +
                   string.Join(",", Enumerable.Range(0, 20).Select(_ => $"{{\"value\":\"{new string('x', 100)}\"}}")) + "]}";
        var e = Refused(json, Target(maxBatchBytes: 1000));
        Assert.Equal(ErrorCode.RecordListTooLarge, e.Error);
    }

    [Fact]
    public void Record_size_is_what_the_builder_writes()
    {
        var headers = new[] { RecordHeader.Of("h", "value"u8.ToArray()), RecordHeader.Of("é", null) };
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < 200; i++)
        {
            var before = builder.UncompressedSizeInBytes;
            var key = new byte[i];
            var value = new byte[i * 7];
            var hs = i % 2 == 0 ? headers : Array.Empty<RecordHeader>();
            builder.Append(Now, key, i % 3 == 0, value, i % 5 == 0, hs);
            Assert.Equal(builder.UncompressedSizeInBytes - before,
                ProduceRequestParser.RecordSize(i, key.Length, i % 3 == 0, value.Length, i % 5 == 0, hs));
        }
    }
}
