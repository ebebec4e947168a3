using System.Buffers.Binary;
using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

// Malformed input must come out as a clean error from Read/TryRead, or as CorruptRecordException
// from record decoding: never IndexOutOfRange, InvalidData or anything else.
public class RecordBatchCorruptionTests
{
    private const long T0 = 1_700_000_000_000;

    public static TheoryData<CompressionType> AllCompressions =>
        new(CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd);

    private static byte[] SampleBatch(CompressionType compression)
    {
        using var builder = new RecordBatchBuilder(compression, producerId: 77, producerEpoch: 2, baseSequence: 10);
        for (int i = 0; i < 20; i++)
            builder.Append(T0 + i, i % 3 == 0 ? null : [(byte)i, 1, 2], [.. Enumerable.Repeat((byte)i, i * 7)],
                i % 4 == 0 ? [new RecordHeader("h", new byte[] { 1, 2 }), RecordHeader.Of("n", null)] : default);
        return builder.Build();
    }

    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void A_flipped_byte_inside_the_crc_range_fails_the_crc(CompressionType compression)
    {
        var valid = SampleBatch(compression);
        for (int i = 21; i < valid.Length; i++)
        {
            var bytes = (byte[])valid.Clone();
            bytes[i] ^= 0x01;
            var result = RecordBatch.Read(bytes, out _, out _, out var error);
            Assert.Equal(BatchReadResult.Corrupt, result);
            Assert.NotNull(error);
        }
    }

    [Fact]
    public void Crc_error_names_both_checksums()
    {
        var bytes = SampleBatch(CompressionType.None);
        bytes[^1] ^= 0xFF;
        Assert.False(RecordBatch.TryRead(bytes, out _, out int consumed, out var error));
        Assert.Equal(0, consumed);
        Assert.Contains("crc", error);
        Assert.Throws<CorruptRecordException>(() => RecordBatch.Parse(bytes));
    }

    [Fact]
    public void Bad_magic_and_bad_length_are_corrupt()
    {
        var bytes = SampleBatch(CompressionType.None);
        var wrongMagic = (byte)1;
        var v1 = (byte[])bytes.Clone();
        v1[16] = wrongMagic;
        Assert.Equal(BatchReadResult.Corrupt, RecordBatch.Read(v1, out _, out _, out var e1));
        Assert.Contains("magic", e1);

        var shortLength = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(8), 48);
        Assert.Equal(BatchReadResult.Corrupt, RecordBatch.Read(shortLength, out _, out _, out _));

        var negative = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32BigEndian(negative.AsSpan(8), -5);
        Assert.Equal(BatchReadResult.Corrupt, RecordBatch.Read(negative, out _, out _, out _));

        var huge = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32BigEndian(huge.AsSpan(8), int.MaxValue);
        Assert.Equal(BatchReadResult.Truncated, RecordBatch.Read(huge, out _, out _, out _));
    }

    [Fact]
    public void Unknown_compression_id_is_corrupt()
    {
        var bytes = SampleBatch(CompressionType.None);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), 5);
        FixCrc(bytes);
        Assert.Equal(BatchReadResult.Corrupt, RecordBatch.Read(bytes, out _, out _, out var error));
        Assert.Contains("compression", error);
    }

    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Every_truncation_is_reported_as_truncated(CompressionType compression)
    {
        var valid = SampleBatch(compression);
        for (int length = 0; length < valid.Length; length++)
        {
            var result = RecordBatch.Read(valid.AsMemory(0, length), out _, out int consumed, out var error);
            Assert.Equal(BatchReadResult.Truncated, result);
            Assert.Equal(0, consumed);
            Assert.NotNull(error);
        }
        Assert.Equal(BatchReadResult.Ok, RecordBatch.Read(valid, out _, out int all, out _));
        Assert.Equal(valid.Length, all);
    }

    [Fact]
    public void Ten_thousand_random_buffers_give_clean_errors()
    {
        var random = new Random(20240601);
        for (int i = 0; i < 10_000; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            // Half of them get a plausible frame, so the checks past the length are reached too.
            if (i % 2 == 0 && bytes.Length >= RecordBatch.HeaderSize)
            {
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), bytes.Length - 12 - random.Next(0, 3));
                bytes[16] = 2;
            }
            DecodeEverything(bytes);
        }
    }

    // Random bytes behind a valid header and CRC: the record decoder itself gets the garbage.
    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Random_records_behind_a_valid_crc_throw_only_corrupt_record(CompressionType compression)
    {
        var random = new Random(99 + (int)compression);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = new byte[RecordBatch.HeaderSize + random.Next(0, 200)];
            random.NextBytes(bytes);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), bytes.Length - 12);
            bytes[16] = 2;
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(21), (short)compression);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), random.Next(0, 50));
            FixCrc(bytes);
            Assert.True(RecordBatch.TryRead(bytes, out _, out _, out _));
            DecodeEverything(bytes);
        }
    }

    // Valid batches with a few bytes mutated and the CRC recomputed: lengths, varints and
    // compressed streams that are almost right.
    [Theory]
    [MemberData(nameof(AllCompressions))]
    public void Mutated_batches_behind_a_valid_crc_throw_only_corrupt_record(CompressionType compression)
    {
        var valid = SampleBatch(compression);
        var random = new Random(7 + (int)compression);
        for (int i = 0; i < 3000; i++)
        {
            var bytes = (byte[])valid.Clone();
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations; m++)
                bytes[random.Next(23, bytes.Length)] = (byte)random.Next(256);
            FixCrc(bytes);
            DecodeEverything(bytes);

            int cut = random.Next(RecordBatch.HeaderSize, bytes.Length);
            var truncated = bytes.AsSpan(0, cut).ToArray();
            BinaryPrimitives.WriteInt32BigEndian(truncated.AsSpan(8), cut - 12);
            FixCrc(truncated);
            DecodeEverything(truncated);
        }
    }

    [Fact]
    public void Trailing_bytes_after_the_last_record_are_corrupt()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(T0, null, "x"u8.ToArray());
        var bytes = builder.Build().Concat(new byte[] { 0, 0 }).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), bytes.Length - 12);
        FixCrc(bytes);
        var batch = RecordBatch.Parse(bytes);
        Assert.Throws<CorruptRecordException>(() => batch.Records.ToList());
    }

    [Fact]
    public void A_count_larger_than_the_records_is_corrupt()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(T0, null, "x"u8.ToArray());
        var bytes = builder.Build();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(57), 2);
        FixCrc(bytes);
        Assert.Throws<CorruptRecordException>(() => RecordBatch.Parse(bytes).Records.ToList());
    }

    private static void DecodeEverything(byte[] bytes)
    {
        var result = RecordBatch.Read(bytes, out var batch, out int consumed, out var error);
        if (result != BatchReadResult.Ok)
        {
            Assert.NotNull(error);
            Assert.Equal(0, consumed);
        }
        else
        {
            try
            {
                foreach (var record in batch)
                {
                    _ = record.Key?.Length;
                    _ = record.Headers.Count;
                }
                _ = ControlRecord.TryRead(batch, out _);
            }
            catch (CorruptRecordException)
            {
            }
        }

        var reader = new RecordBatchReader(bytes);
        foreach (var b in reader)
        {
            try
            {
                foreach (var r in b) _ = r.Value?.Length;
            }
            catch (CorruptRecordException)
            {
            }
        }
        Assert.True(reader.Position <= bytes.Length);
    }

    private static void FixCrc(byte[] bytes) =>
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(17), Crc32C.Compute(bytes.AsSpan(21)));
}
