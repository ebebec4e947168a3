using System.Buffers;
using System.Buffers.Binary;
using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol;

/// <summary>
/// Kafka's framing: every request and response is an int32 big-endian size followed by that
/// many bytes. The size is checked against a limit before anything is buffered, as Kafka does
/// with socket.request.max.bytes, so a forged size cannot make us allocate.
/// </summary>
public static class KafkaFrame
{
    /// <summary>Kafka's default socket.request.max.bytes: 100 MiB.</summary>
    public const int DefaultMaxFrameSize = 100 * 1024 * 1024;
    public const int SizePrefixLength = 4;

    /// <summary>
    /// Reads the size prefix if 4 bytes are there. Returns false when more bytes are needed.
    /// </summary>
    /// <exception cref="KafkaProtocolException">Negative size, or larger than <paramref name="maxFrameSize"/>.</exception>
    public static bool TryReadSize(ReadOnlySpan<byte> buffer, out int size, int maxFrameSize = DefaultMaxFrameSize)
    {
        size = 0;
        if (buffer.Length < SizePrefixLength) return false;
        size = Validate(BinaryPrimitives.ReadInt32BigEndian(buffer), maxFrameSize);
        return true;
    }

    /// <summary>
    /// Cuts one whole frame (without its size prefix) off the front of <paramref name="buffer"/>,
    /// e.g. a PipeReader's buffer. Returns false, leaving the buffer as it is, when the frame
    /// has not fully arrived yet.
    /// </summary>
    /// <exception cref="KafkaProtocolException">Negative size, or larger than <paramref name="maxFrameSize"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame,
        int maxFrameSize = DefaultMaxFrameSize)
    {
        frame = default;
        if (buffer.Length < SizePrefixLength) return false;
        Span<byte> prefix = stackalloc byte[SizePrefixLength];
        buffer.Slice(0, SizePrefixLength).CopyTo(prefix);
        int size = Validate(BinaryPrimitives.ReadInt32BigEndian(prefix), maxFrameSize);
        if (buffer.Length - SizePrefixLength < size) return false;
        frame = buffer.Slice(SizePrefixLength, size);
        buffer = buffer.Slice(SizePrefixLength + (long)size);
        return true;
    }

    private static int Validate(int size, int maxFrameSize)
    {
        if (size < 0)
            throw new KafkaProtocolException($"Invalid frame size {size}", ErrorCode.InvalidRequest);
        if (size > maxFrameSize)
            throw new KafkaProtocolException($"Frame of {size} bytes is larger than the limit of {maxFrameSize}", ErrorCode.InvalidRequest);
        return size;
    }
}
