using System.Text;
using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

public class RecordBatchRoundTripTests
{
    private const long T0 = 1_700_000_000_000;

    public static TheoryData<CompressionType> AllCompressions =>
        new(CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd);

    private static readonly byte[] AllByteValues = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Every_field_round_trips(CompressionType compression)
    {
        using var builder = new RecordBatchBuilder(compression, producerId: 123_456_789_012, producerEpoch: 7,
            baseSequence: 100, isTransactional: true);
        builder.Append(T0, "k1"u8.ToArray(), "v1"u8.ToArray(),
            [new RecordHeader("h1", "x"u8.ToArray()), RecordHeader.Of("h-null", null), new RecordHeader("h-empty", Array.Empty<byte>())]);
        builder.Append(T0 - 5, null, null);
        builder.Append(T0 + 1000, [], []);
        builder.Append(T0 + 20, AllByteValues, AllByteValues, [new RecordHeader("ünïcødé", AllByteValues)]);
        Assert.Equal(4, builder.Count);
        var bytes = builder.Build();

        var batch = RecordBatch.Parse(bytes);
        Assert.Equal(0, batch.BaseOffset);
        Assert.Equal(bytes.Length - 12, batch.BatchLength);
        Assert.Equal(bytes.Length, batch.SizeInBytes);
        Assert.Equal(-1, batch.PartitionLeaderEpoch);
        Assert.Equal(2, batch.Magic);
        Assert.True(batch.IsCrcValid());
        Assert.Equal(compression, batch.Compression);
        Assert.Equal((short)((int)compression | 0x10), batch.Attributes);
        Assert.Equal(TimestampType.CreateTime, batch.TimestampType);
        Assert.True(batch.IsTransactional);
        Assert.False(batch.IsControl);
        Assert.False(batch.HasDeleteHorizonMs);
        Assert.Equal(3, batch.LastOffsetDelta);
        Assert.Equal(3, batch.LastOffset);
        Assert.Equal(4, batch.NextOffset);
        Assert.Equal(T0, batch.BaseTimestamp);
        Assert.Equal(T0 + 1000, batch.MaxTimestamp);
        Assert.Equal(123_456_789_012, batch.ProducerId);
        Assert.Equal(7, batch.ProducerEpoch);
        Assert.Equal(100, batch.BaseSequence);
        Assert.Equal(103, batch.LastSequence);
        Assert.Equal(4, batch.RecordCount);

        var records = batch.Records.ToList();
        Assert.Equal(4, records.Count);

        Assert.Equal(0, records[0].Offset);
        Assert.Equal(T0, records[0].Timestamp);
        Assert.Equal(100, records[0].Sequence);
        Assert.Equal("k1"u8.ToArray(), records[0].Key!.Value.ToArray());
        Assert.Equal("v1"u8.ToArray(), records[0].Value!.Value.ToArray());
        Assert.Equal(3, records[0].Headers.Count);
        Assert.Equal("h1", records[0].Headers[0].Key);
        Assert.Equal("x"u8.ToArray(), records[0].Headers[0].Value!.Value.ToArray());
        Assert.Equal("h-null", records[0].Headers[1].Key);
        Assert.Null(records[0].Headers[1].Value);
        Assert.Equal("h-empty", records[0].Headers[2].Key);
        Assert.NotNull(records[0].Headers[2].Value);
        Assert.Equal(0, records[0].Headers[2].Value!.Value.Length);

        Assert.Equal(1, records[1].Offset);
        Assert.Equal(T0 - 5, records[1].Timestamp);
        Assert.Equal(101, records[1].Sequence);
        Assert.Null(records[1].Key);
        Assert.Null(records[1].Value);
        Assert.False(records[1].HasKey);
        Assert.Empty(records[1].Headers);

        Assert.Equal(2, records[2].Offset);
        Assert.Equal(T0 + 1000, records[2].Timestamp);
        Assert.NotNull(records[2].Key);
        Assert.NotNull(records[2].Value);
        Assert.Equal(0, records[2].Key!.Value.Length);
        Assert.Equal(0, records[2].Value!.Value.Length);

        Assert.Equal(3, records[3].Offset);
        Assert.Equal(AllByteValues, records[3].Key!.Value.ToArray());
        Assert.Equal(AllByteValues, records[3].Value!.Value.ToArray());
        Assert.Equal("ünïcødé", records[3].Headers[0].Key);
        Assert.Equal(AllByteValues, records[3].Headers[0].Value!.Value.ToArray());
    }

    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Many_records_round_trip(CompressionType compression)
    {
        const int count = 5000;
        using var builder = new RecordBatchBuilder(compression);
        for (int i = 0; i < count; i++)
        {
            var value = Encoding.UTF8.GetBytes($"value-{i}-" + new string((char)('a' + i % 26), i % 50));
            builder.Append(T0 + i, Encoding.UTF8.GetBytes($"key-{i}"), value);
        }
        var batch = RecordBatch.Parse(builder.Build());

        Assert.Equal(count, batch.RecordCount);
        Assert.Equal(count - 1, batch.LastOffsetDelta);
        Assert.Equal(T0 + count - 1, batch.MaxTimestamp);
        Assert.Equal(-1, batch.ProducerId);
        Assert.Equal(-1, batch.ProducerEpoch);
        Assert.Equal(-1, batch.BaseSequence);
        Assert.Equal(-1, batch.LastSequence);
        int n = 0;
        foreach (var record in batch)
        {
            Assert.Equal(n, record.Offset);
            Assert.Equal(T0 + n, record.Timestamp);
            Assert.Equal(-1, record.Sequence);
            Assert.Equal($"key-{n}", Encoding.UTF8.GetString(record.Key!.Value.Span));
            Assert.StartsWith($"value-{n}-", Encoding.UTF8.GetString(record.Value!.Value.Span));
            n++;
        }
        Assert.Equal(count, n);
    }

    // Bigger than one snappy chunk (32 KiB) and one LZ4 block (64 KiB), and incompressible.
    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Large_random_values_round_trip(CompressionType compression)
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 3).Select(_ =>
        {
            var v = new byte[150_000];
            random.NextBytes(v);
            return v;
        }).ToArray();
        using var builder = new RecordBatchBuilder(compression);
        foreach (var v in values) builder.Append(T0, null, v);
        var records = RecordBatch.Parse(builder.Build()).Records.ToList();
        for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], records[i].Value!.Value.ToArray());
    }

    [Fact]
    public void Span_append_writes_the_same_bytes_as_array_append()
    {
        using var a = new RecordBatchBuilder();
        a.Append(T0, "k"u8.ToArray(), null, [RecordHeader.Of("h", null)]);
        a.Append(T0 + 1, null, "v"u8.ToArray());
        using var b = new RecordBatchBuilder();
        b.Append(T0, "k"u8, false, default, true, [RecordHeader.Of("h", null)]);
        b.Append(T0 + 1, default, true, "v"u8, false);
        Assert.Equal(a.Build(), b.Build());
    }

    [Fact]
    public void Patched_base_offset_and_epoch_keep_the_crc_valid()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Lz4, producerId: 9, producerEpoch: 1, baseSequence: 0);
        builder.Append(T0, "a"u8.ToArray(), "1"u8.ToArray());
        builder.Append(T0 + 1, "b"u8.ToArray(), "2"u8.ToArray());
        var bytes = builder.Build();
        uint crc = RecordBatch.Parse(bytes).Crc;

        RecordBatch.SetBaseOffset(bytes, 5000);
        RecordBatch.SetPartitionLeaderEpoch(bytes, 42);

        var batch = RecordBatch.Parse(bytes);
        Assert.Equal(crc, batch.Crc);
        Assert.True(batch.IsCrcValid());
        Assert.Equal(5000, batch.BaseOffset);
        Assert.Equal(5001, batch.LastOffset);
        Assert.Equal(5002, batch.NextOffset);
        Assert.Equal(42, batch.PartitionLeaderEpoch);
        Assert.Equal([5000L, 5001L], batch.Records.Select(r => r.Offset));
    }

    [Fact]
    public void Log_append_time_replaces_record_timestamps_and_keeps_the_crc_valid()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(T0, null, "a"u8.ToArray());
        builder.Append(T0 + 10, null, "b"u8.ToArray());
        var bytes = builder.Build();

        RecordBatch.SetMaxTimestamp(bytes, TimestampType.LogAppendTime, T0 + 99_999);

        var batch = RecordBatch.Parse(bytes);
        Assert.True(batch.IsCrcValid());
        Assert.Equal(TimestampType.LogAppendTime, batch.TimestampType);
        Assert.Equal(T0 + 99_999, batch.MaxTimestamp);
        Assert.All(batch.Records, r => Assert.Equal(T0 + 99_999, r.Timestamp));
    }

    [Fact]
    public void Sequences_wrap_around_int_max()
    {
        using var builder = new RecordBatchBuilder(producerId: 1, producerEpoch: 0, baseSequence: int.MaxValue - 1);
        for (int i = 0; i < 4; i++) builder.Append(T0, null, [(byte)i]);
        var batch = RecordBatch.Parse(builder.Build());
        Assert.Equal(1, batch.LastSequence);
        Assert.Equal([int.MaxValue - 1, int.MaxValue, 0, 1], batch.Records.Select(r => r.Sequence));
    }

    [Fact]
    public void No_timestamp_is_allowed_and_kept()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(RecordBatch.NoTimestamp, null, null);
        var batch = RecordBatch.Parse(builder.Build());
        Assert.Equal(-1, batch.MaxTimestamp);
        Assert.Equal(-1, batch.Records.Single().Timestamp);
    }

    [Fact]
    public void Builder_rejects_misuse()
    {
        using (var empty = new RecordBatchBuilder())
            Assert.Throws<InvalidOperationException>(() => empty.Build());

        using var builder = new RecordBatchBuilder();
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Append(-2, null, null));
        Assert.Throws<ArgumentException>(() => builder.Append(T0, null, null, [new RecordHeader(null!, null)]));
        builder.Append(T0, null, null);
        builder.Build();
        Assert.Throws<InvalidOperationException>(() => builder.Append(T0, null, null));
        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Fact]
    public void Reader_walks_concatenated_batches()
    {
        var batches = Enumerable.Range(0, 3).Select(i =>
        {
            using var b = new RecordBatchBuilder(i == 1 ? CompressionType.Zstd : CompressionType.None);
            b.Append(T0, null, [(byte)i]);
            b.Append(T0, null, [(byte)i]);
            var bytes = b.Build();
            RecordBatch.SetBaseOffset(bytes, i * 2);
            return bytes;
        }).ToList();
        var all = batches.SelectMany(b => b).ToArray();

        var reader = new RecordBatchReader(all);
        var read = reader.ToList();
        Assert.Equal(BatchReadResult.Ok, reader.Result);
        Assert.Null(reader.Error);
        Assert.Equal(all.Length, reader.Position);
        Assert.Equal([0L, 2L, 4L], read.Select(b => b.BaseOffset));
        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], read.SelectMany(b => b.Records).Select(r => r.Offset));
    }

    [Fact]
    public void Reader_reports_a_truncated_trailing_batch()
    {
        using var b1 = new RecordBatchBuilder();
        var first = b1.Append(T0, null, "one"u8.ToArray()).Build();
        using var b2 = new RecordBatchBuilder();
        var second = b2.Append(T0, null, "two"u8.ToArray()).Build();
        var fetch = first.Concat(second.Take(second.Length - 3)).ToArray();

        var reader = new RecordBatchReader(fetch);
        Assert.Single(reader);
        Assert.True(reader.IsTruncated);
        Assert.Equal(first.Length, reader.Position);
        Assert.Contains("truncated", reader.Error);
    }

    [Fact]
    public void Empty_buffer_reads_no_batches()
    {
        var reader = new RecordBatchReader(ReadOnlyMemory<byte>.Empty);
        Assert.Empty(reader);
        Assert.Equal(BatchReadResult.Ok, reader.Result);
    }
}
