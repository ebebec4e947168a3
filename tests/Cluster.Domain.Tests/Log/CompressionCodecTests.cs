using System.Buffers.Binary;
using System.IO.Compression;
using Cluster.Domain.Log;
using Cluster.Domain.Log.Compression;
using Xunit;
using ZstdSharp;

namespace Cluster.Domain.Tests.Log;

public class CompressionCodecTests
{
    public static TheoryData<CompressionType> Codecs =>
        new(CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd);

    private static byte[] Sample(int length, int seed)
    {
        // Half text-like (compressible), half random.
        var random = new Random(seed);
        var data = new byte[length];
        random.NextBytes(data);
        for (int i = 0; i < length / 2; i++) data[i] = (byte)('a' + i % 13);
        return data;
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Round_trips_across_block_boundaries(CompressionType type)
    {
        foreach (int length in new[] { 0, 1, 100, 32 * 1024, 32 * 1024 + 1, 64 * 1024 + 7, 300_000 })
        {
            var data = Sample(length, length);
            var compressed = RecordsCompression.Compress(type, data);
            Assert.Equal(data, RecordsCompression.Decompress(type, compressed));
        }
    }

    // Kafka's Lz4BlockOutputStream writes FLG 0x60 (version 1, independent blocks, nothing else),
    // BD 0x40 (64 KiB blocks) and header checksum 0x82; its reader rejects dependent blocks.
    [Fact]
    public void Lz4_frame_header_is_the_one_kafka_writes()
    {
        var compressed = RecordsCompression.Compress(CompressionType.Lz4, Sample(200_000, 1));
        Assert.Equal(new byte[] { 0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82 }, compressed.AsSpan(0, 7).ToArray());
        // End mark, no content checksum after it.
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, compressed.AsSpan(compressed.Length - 4).ToArray());
    }

    [Fact]
    public void Snappy_uses_xerial_framing_in_32k_chunks()
    {
        var data = Sample(70_000, 2);
        var compressed = RecordsCompression.Compress(CompressionType.Snappy, data);
        Assert.Equal(new byte[] { 0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1 },
            compressed.AsSpan(0, 16).ToArray());

        int position = 16, chunks = 0, total = 0;
        while (position < compressed.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(compressed.AsSpan(position));
            var block = compressed.AsSpan(position + 4, length);
            total += Snappier.Snappy.GetUncompressedLength(block);
            position += 4 + length;
            chunks++;
        }
        Assert.Equal(3, chunks);
        Assert.Equal(data.Length, total);
    }

    [Fact]
    public void Snappy_reads_a_bare_block_and_concatenated_streams()
    {
        var data = Sample(50_000, 3);
        Assert.Equal(data, RecordsCompression.Decompress(CompressionType.Snappy, Snappier.Snappy.CompressToArray(data)));

        var a = RecordsCompression.Compress(CompressionType.Snappy, data.AsSpan(0, 20_000));
        var b = RecordsCompression.Compress(CompressionType.Snappy, data.AsSpan(20_000));
        Assert.Equal(data, RecordsCompression.Decompress(CompressionType.Snappy, a.Concat(b).ToArray()));
    }

    // zstd-jni's ZstdOutputStream, which the Java client uses, streams frames without a content size.
    [Fact]
    public void Zstd_reads_streamed_frames_without_content_size()
    {
        var data = Sample(500_000, 4);
        using var output = new MemoryStream();
        using (var zstd = new CompressionStream(output, 3))
        {
            zstd.Write(data, 0, 100_000);
            zstd.Write(data, 100_000, data.Length - 100_000);
        }
        var frame = output.ToArray();
        Assert.Equal(data, RecordsCompression.Decompress(CompressionType.Zstd, frame));
    }

    [Fact]
    public void Gzip_reads_concatenated_members()
    {
        var data = Sample(10_000, 5);
        var a = RecordsCompression.Compress(CompressionType.Gzip, data.AsSpan(0, 4000));
        var b = RecordsCompression.Compress(CompressionType.Gzip, data.AsSpan(4000));
        Assert.Equal(0x1F, a[0]);
        Assert.Equal(0x8B, a[1]);
        Assert.Equal(data, RecordsCompression.Decompress(CompressionType.Gzip, a.Concat(b).ToArray()));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Garbage_is_a_corrupt_record(CompressionType type)
    {
        var random = new Random(6);
        for (int i = 0; i < 500; i++)
        {
            var garbage = new byte[random.Next(0, 200)];
            random.NextBytes(garbage);
            try
            {
                RecordsCompression.Decompress(type, garbage);
            }
            catch (CorruptRecordException)
            {
            }
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Truncated_streams_are_corrupt_records(CompressionType type)
    {
        var compressed = RecordsCompression.Compress(type, Sample(100_000, 7));
        foreach (int cut in new[] { 1, 5, 17, compressed.Length / 2, compressed.Length - 1 })
            Assert.Throws<CorruptRecordException>(() => RecordsCompression.Decompress(type, compressed.AsMemory(0, cut)));
    }

    [Fact]
    public void Snappy_block_claiming_an_absurd_size_is_refused_before_allocating()
    {
        // Length varint for ~2 GiB followed by nothing.
        byte[] bomb = [0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00];
        var e = Assert.Throws<CorruptRecordException>(() => RecordsCompression.Decompress(CompressionType.Snappy, bomb));
        Assert.Contains("claims", e.Message);
    }

    [Fact]
    public void Gzip_bomb_is_stopped_at_the_limit()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 300; i++) gzip.Write(zeros);
        }
        Assert.Throws<CorruptRecordException>(() => RecordsCompression.Decompress(CompressionType.Gzip, output.ToArray()));
    }
}
