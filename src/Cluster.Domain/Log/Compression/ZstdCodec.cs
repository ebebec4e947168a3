using System.Buffers;
using ZstdSharp;

namespace Cluster.Domain.Log.Compression;

// Standard zstd frames. The Java client streams them (zstd-jni's ZstdOutputStream), so their
// header often lacks the content size; the bound below is computed from the block headers instead.
internal static class ZstdCodec
{
    // Kafka's default compression.zstd.level.
    private const int Level = 3;

    // Contexts are large and costly to create; one per thread is reused.
    [ThreadStatic] private static Compressor? _compressor;
    [ThreadStatic] private static Decompressor? _decompressor;

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var compressor = _compressor ??= new Compressor(Level);
        var dst = destination.GetSpan(Compressor.GetCompressBound(source.Length));
        destination.Advance(compressor.Wrap(source, dst));
    }

    public static void Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        ulong bound = Decompressor.GetDecompressedSize(source);
        if (bound > RecordsCompression.MaxDecompressedSize)
            throw new CorruptRecordException($"zstd records claim {bound} bytes, more than {RecordsCompression.MaxDecompressedSize}");
        var decompressor = _decompressor ??= new Decompressor();
        int size = (int)bound;
        var dst = destination.GetSpan(Math.Max(size, 1));
        destination.Advance(decompressor.Unwrap(source, dst[..size]));
    }
}
