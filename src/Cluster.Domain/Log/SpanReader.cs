using System.Buffers.Binary;

namespace Cluster.Domain.Log;

// Bounds-checked cursor over record bytes. Every read that would run past the end throws
// CorruptRecordException, so no malformed input can surface as IndexOutOfRangeException.
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public SpanReader(ReadOnlySpan<byte> span, int position = 0)
    {
        _span = span;
        _position = position;
    }

    public int Position => _position;

    public int Remaining => _span.Length - _position;

    public byte ReadByte()
    {
        if (_position >= _span.Length) throw Underflow(1);
        return _span[_position++];
    }

    public short ReadInt16()
    {
        if (Remaining < 2) throw Underflow(2);
        var v = BinaryPrimitives.ReadInt16BigEndian(_span[_position..]);
        _position += 2;
        return v;
    }

    public int ReadInt32()
    {
        if (Remaining < 4) throw Underflow(4);
        var v = BinaryPrimitives.ReadInt32BigEndian(_span[_position..]);
        _position += 4;
        return v;
    }

    // Kafka rejects a varint whose fifth byte still has its continuation bit set.
    public int ReadVarint()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 28 && (b & 0x80) != 0) break;
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return (int)(value >> 1) ^ -(int)(value & 1);
        }
        throw new CorruptRecordException("varint is too long: the most significant bit of its 5th byte is set");
    }

    public long ReadVarlong()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 63 && (b & 0x80) != 0) break;
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return (long)(value >> 1) ^ -(long)(value & 1);
        }
        throw new CorruptRecordException("varlong is too long: the most significant bit of its 10th byte is set");
    }

    // Returns where the skipped bytes start, so callers can slice their Memory without copying.
    public int Skip(int length)
    {
        if (length < 0 || length > Remaining) throw Underflow(length);
        int start = _position;
        _position += length;
        return start;
    }

    private CorruptRecordException Underflow(int wanted) =>
        new($"record data ends early: needed {wanted} bytes at position {_position}, {Remaining} left");
}
