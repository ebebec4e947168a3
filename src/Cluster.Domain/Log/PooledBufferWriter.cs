using System.Buffers;

namespace Cluster.Domain.Log;

// A growable IBufferWriter over ArrayPool arrays with a hard size cap: scratch space for building
// and compressing batches, and for inflating them without trusting sizes claimed by the input.
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;
    private readonly int _maxLength;

    public PooledBufferWriter(int initialCapacity = 4096, int maxLength = int.MaxValue)
    {
        _maxLength = Math.Min(maxLength, Array.MaxLength);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Clamp(initialCapacity, 256, Math.Max(256, _maxLength)));
    }

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        if (_buffer.Length - _written >= sizeHint) return;
        long needed = (long)_written + sizeHint;
        if (needed > _maxLength) throw new BufferLimitExceededException(_maxLength);
        long grown = Math.Max(needed, (long)_buffer.Length * 2);
        var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(grown, _maxLength));
        _buffer.AsSpan(0, _written).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}

internal sealed class BufferLimitExceededException(int limit)
    : Exception($"more than {limit} bytes")
{
    public int Limit { get; } = limit;
}
