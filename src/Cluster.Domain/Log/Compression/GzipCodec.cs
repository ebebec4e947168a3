using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Cluster.Domain.Log.Compression;

// RFC 1952 gzip, what GZIPOutputStream writes. GZipStream also reads concatenated members.
internal static class GzipCodec
{
    // 10-byte header, an empty deflate block, 8-byte trailer.
    private const int MinimumMemberSize = 20;

    // GZipStream writes nothing at all for no input, where GZIPOutputStream writes a whole member.
    private static ReadOnlySpan<byte> EmptyMember =>
        [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (source.IsEmpty)
        {
            EmptyMember.CopyTo(destination.GetSpan(EmptyMember.Length));
            destination.Advance(EmptyMember.Length);
            return;
        }
        using var gzip = new GZipStream(new BufferWriterStream(destination), CompressionLevel.Optimal, leaveOpen: false);
        gzip.Write(source);
    }

    public static void Decompress(ReadOnlyMemory<byte> source, PooledBufferWriter destination)
    {
        if (source.Length < MinimumMemberSize)
            throw new CorruptRecordException($"gzip stream of {source.Length} bytes is shorter than any gzip member");
        int start = destination.WrittenCount;
        var input = MemoryMarshal.TryGetArray(source, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(source.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        while (true)
        {
            var span = destination.GetSpan(16 * 1024);
            int read = gzip.Read(span);
            if (read == 0) break;
            destination.Advance(read);
        }

        // GZipStream returns what it could inflate when the input stops early, where Java's
        // GZIPInputStream throws. The trailer's ISIZE (length mod 2^32 of the last member) catches
        // that: a cut stream ends in deflate data, whose last four bytes are almost never a size no
        // larger than what was produced; concatenated members only ever make the output larger.
        long produced = destination.WrittenCount - start;
        uint lastMemberSize = BinaryPrimitives.ReadUInt32LittleEndian(source.Span[^4..]);
        if (lastMemberSize > produced)
            throw new CorruptRecordException($"gzip stream ends early: its trailer says {lastMemberSize} bytes, it inflated to {produced}");
    }
}
