using System.Buffers;

namespace Cluster.Domain.Log.Compression;

// The codecs of a batch's records section, each in the framing the Java client writes, so that
// Kafka clients and librdkafka can read what we write and we can read what they write.
public static class RecordsCompression
{
    // Inflating untrusted input never goes past this: a guard against decompression bombs, far above
    // any batch a broker would accept (message.max.bytes defaults to 1 MiB).
    public const int MaxDecompressedSize = 256 * 1024 * 1024;

    public static void Compress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        switch (type)
        {
            case CompressionType.None:
                source.CopyTo(destination.GetSpan(source.Length));
                destination.Advance(source.Length);
                break;
            case CompressionType.Gzip: GzipCodec.Compress(source, destination); break;
            case CompressionType.Snappy: SnappyCodec.Compress(source, destination); break;
            case CompressionType.Lz4: Lz4Codec.Compress(source, destination); break;
            case CompressionType.Zstd: ZstdCodec.Compress(source, destination); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "unknown compression type");
        }
    }

    public static byte[] Compress(CompressionType type, ReadOnlySpan<byte> source)
    {
        using var writer = new PooledBufferWriter(source.Length / 2 + 64);
        Compress(type, source, writer);
        return writer.WrittenSpan.ToArray();
    }

    // Returns exactly the inflated bytes. Any failure, whatever the codec throws, comes out as
    // CorruptRecordException.
    public static byte[] Decompress(CompressionType type, ReadOnlyMemory<byte> source)
    {
        if (type == CompressionType.None) return source.ToArray();
        int initialCapacity = (int)Math.Min(source.Length * 4L + 256, 1 << 20);
        using var writer = new PooledBufferWriter(initialCapacity, MaxDecompressedSize);
        try
        {
            switch (type)
            {
                case CompressionType.Gzip: GzipCodec.Decompress(source, writer); break;
                case CompressionType.Snappy: SnappyCodec.Decompress(source.Span, writer); break;
                case CompressionType.Lz4: Lz4Codec.Decompress(source.Span, writer); break;
                case CompressionType.Zstd: ZstdCodec.Decompress(source.Span, writer); break;
                default: throw new CorruptRecordException($"unknown compression type id {(int)type}");
            }
        }
        catch (BufferLimitExceededException)
        {
            throw new CorruptRecordException($"{type} records inflate to more than {MaxDecompressedSize} bytes");
        }
        catch (Exception e) when (e is not CorruptRecordException and not OutOfMemoryException)
        {
            throw new CorruptRecordException($"{type} records cannot be decompressed: {e.Message}", e);
        }
        return writer.WrittenSpan.ToArray();
    }
}
