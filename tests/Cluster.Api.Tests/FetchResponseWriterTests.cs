using System.Buffers;
using System.Text;
using System.Text.Json;
using Cluster.Api.Fetch;
using Cluster.Api.Http;
using Cluster.Api.Produce;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;

namespace Cluster.Api.Tests;

public class FetchResponseWriterTests
{
    private static byte[] Batch(long baseOffset, int count, long producerId = -1, bool transactional = false, int valueSize = 0,
        Func<int, byte[]?>? value = null)
    {
        using var builder = producerId >= 0
            ? new RecordBatchBuilder(CompressionType.None, producerId, 0, 0, transactional)
            : new RecordBatchBuilder();
        for (var i = 0; i < count; i++)
        {
            var bytes = value?.Invoke(i) ?? Encoding.UTF8.GetBytes($"v{baseOffset + i}" + new string('x', valueSize));
            builder.Append(1000 + i, Encoding.UTF8.GetBytes($"k{baseOffset + i}"), bytes);
        }
        var batch = builder.Build();
        RecordBatch.SetBaseOffset(batch, baseOffset);
        return batch;
    }

    private static byte[] Marker(long offset, long producerId, bool commit)
    {
        var batch = RecordBatchBuilder.BuildControlBatch(producerId, 0, commit, 0, 2000);
        RecordBatch.SetBaseOffset(batch, offset);
        return batch;
    }

    private static FetchResult Result(long highWatermark, params byte[][] batches) =>
        new(ErrorCode.None, batches, highWatermark, highWatermark, 0, highWatermark, Array.Empty<AbortedTxn>());

    private static JsonElement Write(FetchResult result, long offset, int maxRecords = 500, int maxBytes = 1 << 20,
        IsolationLevel isolation = IsolationLevel.ReadUncommitted, PayloadEncoding encoding = PayloadEncoding.Utf8)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, ApiJson.WriterOptions))
            FetchResponseWriter.Write(writer, result, new FetchOptions(offset, maxRecords, maxBytes, isolation, encoding));
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    private static long[] Offsets(JsonElement response) =>
        response.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("offset").GetInt64()).ToArray();

    [Fact]
    public void Records_before_the_requested_offset_in_the_first_batch_are_skipped()
    {
        var response = Write(Result(10, Batch(0, 5), Batch(5, 5)), offset: 3);
        Assert.Equal(new long[] { 3, 4, 5, 6, 7, 8, 9 }, Offsets(response));
        Assert.Equal(10, response.GetProperty("nextOffset").GetInt64());
        Assert.Equal(10, response.GetProperty("highWatermark").GetInt64());
        Assert.Equal(10, response.GetProperty("lastStableOffset").GetInt64());
        Assert.Equal(0, response.GetProperty("logStartOffset").GetInt64());
        var first = response.GetProperty("records")[0];
        Assert.Equal("k3", first.GetProperty("key").GetString());
        Assert.Equal("v3", first.GetProperty("value").GetString());
        Assert.Equal(1003, first.GetProperty("timestamp").GetInt64());
        Assert.Equal(JsonValueKind.Object, first.GetProperty("headers").ValueKind);
    }

    [Fact]
    public void Stops_at_max_records()
    {
        var response = Write(Result(10, Batch(0, 10)), offset: 2, maxRecords: 3);
        Assert.Equal(new long[] { 2, 3, 4 }, Offsets(response));
        Assert.Equal(5, response.GetProperty("nextOffset").GetInt64());
    }

    [Fact]
    public void Stops_before_going_over_max_bytes_but_always_returns_one_record()
    {
        var result = Result(10, Batch(0, 10, valueSize: 100));
        Assert.Equal(new long[] { 0 }, Offsets(Write(result, 0, maxBytes: 1)));
        var some = Offsets(Write(result, 0, maxBytes: 350));
        Assert.InRange(some.Length, 2, 3);
        Assert.Equal(10, Offsets(Write(result, 0)).Length);
    }

    [Fact]
    public void Never_returns_records_at_or_above_the_high_watermark()
    {
        var response = Write(Result(3, Batch(0, 5)), offset: 0);
        Assert.Equal(new long[] { 0, 1, 2 }, Offsets(response));
        Assert.Equal(3, response.GetProperty("nextOffset").GetInt64());
    }

    [Fact]
    public void Nothing_to_read_leaves_next_offset_at_the_requested_one()
    {
        var response = Write(Result(5), offset: 5);
        Assert.Empty(Offsets(response));
        Assert.Equal(5, response.GetProperty("nextOffset").GetInt64());
    }

    [Fact]
    public void Transaction_markers_are_skipped_and_passed()
    {
        var response = Write(Result(4, Batch(0, 3, producerId: 7, transactional: true), Marker(3, 7, commit: true)), offset: 0);
        Assert.Equal(new long[] { 0, 1, 2 }, Offsets(response));
        Assert.Equal(4, response.GetProperty("nextOffset").GetInt64());

        var onlyMarker = Write(Result(4, Marker(3, 7, commit: true)), offset: 3);
        Assert.Empty(Offsets(onlyMarker));
        Assert.Equal(4, onlyMarker.GetProperty("nextOffset").GetInt64());
    }

    [Fact]
    public void Read_committed_skips_aborted_transactions_and_moves_past_them()
    {
        var batches = new[]
        {
            Batch(0, 2),                                         // 0-1 plain
            Batch(2, 2, producerId: 9, transactional: true),     // 2-3 aborted
            Marker(4, 9, commit: false),                         // 4
            Batch(5, 2, producerId: 11, transactional: true),    // 5-6 committed
            Marker(7, 11, commit: true),                         // 7
        };
        var result = new FetchResult(ErrorCode.None, batches, 8, 8, 0, 8, new[] { new AbortedTxn(9, 2, 4) });

        Assert.Equal(new long[] { 0, 1, 5, 6 }, Offsets(Write(result, 0, isolation: IsolationLevel.ReadCommitted)));
        Assert.Equal(new long[] { 0, 1, 2, 3, 5, 6 }, Offsets(Write(result, 0, isolation: IsolationLevel.ReadUncommitted)));

        var onlyAborted = Write(result with { Batches = batches[1..3] }, 2, isolation: IsolationLevel.ReadCommitted);
        Assert.Empty(Offsets(onlyAborted));
        Assert.Equal(5, onlyAborted.GetProperty("nextOffset").GetInt64());
    }

    [Fact]
    public void Read_committed_stops_at_the_last_stable_offset()
    {
        var result = new FetchResult(ErrorCode.None, new[] { Batch(0, 2), Batch(2, 3, producerId: 3, transactional: true) },
            5, 2, 0, 5, Array.Empty<AbortedTxn>());
        var response = Write(result, 0, isolation: IsolationLevel.ReadCommitted);
        Assert.Equal(new long[] { 0, 1 }, Offsets(response));
        Assert.Equal(2, response.GetProperty("nextOffset").GetInt64());
    }

    [Fact]
    public void Utf8_output_replaces_invalid_bytes_base64_keeps_them()
    {
        var binary = new byte[] { 0x41, 0xFF, 0xC3, 0x42 };
        var result = Result(1, Batch(0, 1, value: _ => binary));
        var utf8 = Write(result, 0).GetProperty("records")[0].GetProperty("value").GetString();
        Assert.Equal("A\uFFFD\uFFFDB", utf8);
        var base64 = Write(result, 0, encoding: PayloadEncoding.Base64).GetProperty("records")[0];
        Assert.Equal(binary, base64.GetProperty("value").GetBytesFromBase64());
        Assert.Equal("k0"u8.ToArray(), base64.GetProperty("key").GetBytesFromBase64());
    }

    [Fact]
    public void Null_keys_values_and_header_values_are_json_null_and_repeated_header_keys_keep_the_last()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(5, null, null, new[] { RecordHeader.Of("a", "1"u8.ToArray()), RecordHeader.Of("n", null), RecordHeader.Of("a", "2"u8.ToArray()) });
        var record = Write(Result(1, builder.Build()), 0).GetProperty("records")[0];
        Assert.Equal(JsonValueKind.Null, record.GetProperty("key").ValueKind);
        Assert.Equal(JsonValueKind.Null, record.GetProperty("value").ValueKind);
        var headers = record.GetProperty("headers");
        Assert.Equal(2, headers.EnumerateObject().Count());
        Assert.Equal("2", headers.GetProperty("a").GetString());
        Assert.Equal(JsonValueKind.Null, headers.GetProperty("n").ValueKind);
    }
}
