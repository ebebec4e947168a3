using System.Buffers;
using System.Buffers.Binary;
using Snappier;

namespace Cluster.Domain.Log.Compression;

// Snappy in the xerial snappy-java stream framing that the Java client writes: a 16-byte header
// (magic 0x82 "SNAPPY" 0, version int32, compatible version int32), then chunks of
// [int32 compressed length][raw snappy block], big-endian. Readers must also take a bare snappy
// block, which librdkafka and some other clients produce, as snappy-java's SnappyInputStream does.
internal static class SnappyCodec
{
    private static ReadOnlySpan<byte> Magic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    private const int HeaderSize = 16;
    private const int Version = 1;
    private const int CompatibleVersion = 1;

    // SnappyOutputStream's default block size.
    private const int BlockSize = 32 * 1024;

    // The densest snappy element is a 3-byte copy of 64 bytes, so a block can never inflate by more
    // than ~21.4x. Checking the claimed length against that stops absurd allocations up front.
    private const int MaxExpansion = 22;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var header = destination.GetSpan(HeaderSize);
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], CompatibleVersion);
        destination.Advance(HeaderSize);

        while (!source.IsEmpty)
        {
            var chunk = source[..Math.Min(BlockSize, source.Length)];
            source = source[chunk.Length..];
            var dst = destination.GetSpan(4 + Snappy.GetMaxCompressedLength(chunk.Length));
            int compressed = Snappy.Compress(chunk, dst[4..]);
            BinaryPrimitives.WriteInt32BigEndian(dst, compressed);
            destination.Advance(4 + compressed);
        }
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (!IsFramed(source))
        {
            DecompressBlock(source, destination);
            return;
        }

        int position = HeaderSize;
        while (position < source.Length)
        {
            var rest = source[position..];
            if (rest.Length < 4) throw new CorruptRecordException($"snappy stream ends inside a chunk length ({rest.Length} bytes)");
            // snappy-java accepts another whole stream appended to this one.
            if (IsFramed(rest))
            {
                position += HeaderSize;
                continue;
            }
            int length = BinaryPrimitives.ReadInt32BigEndian(rest);
            if (length < 0 || length > rest.Length - 4)
                throw new CorruptRecordException($"snappy chunk length {length} exceeds the {rest.Length - 4} bytes left");
            DecompressBlock(rest.Slice(4, length), destination);
            position += 4 + length;
        }
    }

    private static bool IsFramed(ReadOnlySpan<byte> source) => source.Length >= HeaderSize && source.StartsWith(Magic);

    private static void DecompressBlock(ReadOnlySpan<byte> block, IBufferWriter<byte> destination)
    {
        int length = Snappy.GetUncompressedLength(block);
        if (length < 0 || (long)length > (long)block.Length * MaxExpansion)
            throw new CorruptRecordException($"snappy block of {block.Length} bytes claims {length} uncompressed bytes");
        var dst = destination.GetSpan(length);
        int written = Snappy.Decompress(block, dst[..length]);
        if (written != length)
            throw new CorruptRecordException($"snappy block inflated to {written} bytes, expected {length}");
        destination.Advance(written);
    }
}
