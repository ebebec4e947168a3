using System.Buffers;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;

namespace Cluster.Domain.Log.Compression;

// The LZ4 frame format, configured as Kafka's Lz4BlockOutputStream writes it: independent 64 KiB
// blocks, no block or content checksum, no content size. Java's reader rejects dependent
// (chained) blocks, so ChainBlocks must stay off. Any valid frame reads back.
internal static class Lz4Codec
{
    private static readonly LZ4EncoderSettings Settings = new()
    {
        BlockSize = 64 * 1024,
        ChainBlocks = false,
        BlockChecksum = false,
        ContentChecksum = false,
        ContentLength = null,
        CompressionLevel = LZ4Level.L00_FAST,
    };

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination) =>
        LZ4Frame.Encode(source, destination, Settings);

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination) =>
        LZ4Frame.Decode(source, destination);
}
