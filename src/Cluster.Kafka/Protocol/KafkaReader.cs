using System.Buffers.Binary;
using System.Text;
using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol;

/// <summary>
/// Reads Kafka's wire primitives (big-endian integers, varints, strings, bytes, arrays,
/// UUIDs, tagged fields, records) from one request or response.
/// <para>
/// Every length read from the wire is checked against the bytes that remain before anything
/// is allocated, so a hostile length can never cause a huge allocation; every failure is a
/// <see cref="KafkaProtocolException"/>. Records are returned as slices of the input memory
/// (no copy): the caller must keep the frame's buffer alive while it uses them. Other
/// <c>bytes</c> fields are copied, since they are small and outlive the frame (group metadata).
/// </para>
/// </summary>
public ref struct KafkaReader
{
    /// <summary>Initial capacity cap for lists: a count is only a promise, so lists grow as
    /// elements actually decode instead of trusting the count up front.</summary>
    private const int MaxInitialCapacity = 1024;

    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
        _position = 0;
    }

    public readonly int Position => _position;
    public readonly int Remaining => _span.Length - _position;
    public readonly bool IsEnd => _position >= _span.Length;

    private static KafkaProtocolException Truncated(int wanted, int left) =>
        new($"Truncated: wanted {wanted} bytes, {left} left");

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)Remaining)
            throw Truncated(count, Remaining);
        var s = _span.Slice(_position, count);
        _position += count;
        return s;
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count) => Take(count);

    // ---- fixed-size integers (big-endian, as Kafka) ----

    public sbyte ReadInt8() => (sbyte)Take(1)[0];
    public bool ReadBool() => Take(1)[0] != 0;
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
    /// <summary>An int16 error code; unknown values pass through as they are.</summary>
    public ErrorCode ReadErrorCode() => (ErrorCode)ReadInt16();
    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    /// <summary>Kafka's UUID: 16 bytes, most significant first; mapped onto a Guid whose
    /// string form shows the same bytes in the same order.</summary>
    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    // ---- varints ----

    /// <summary>Unsigned LEB128 varint of at most 5 bytes (Kafka's UNSIGNED_VARINT).</summary>
    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (_position >= _span.Length) throw Truncated(1, 0);
            byte b = _span[_position++];
            if (shift == 28 && (b & 0xF0) != 0)
                throw new KafkaProtocolException("Varint is too long");
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new KafkaProtocolException("Varint is too long");
    }

    /// <summary>Unsigned LEB128 varint of at most 10 bytes.</summary>
    public ulong ReadUnsignedVarLong()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _span.Length) throw Truncated(1, 0);
            byte b = _span[_position++];
            if (shift == 63 && (b & 0xFE) != 0)
                throw new KafkaProtocolException("Varlong is too long");
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new KafkaProtocolException("Varlong is too long");
    }

    /// <summary>Zig-zag signed varint (Kafka's VARINT, used inside record batches).</summary>
    public int ReadVarInt()
    {
        uint raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    /// <summary>Zig-zag signed varlong (Kafka's VARLONG).</summary>
    public long ReadVarLong()
    {
        ulong raw = ReadUnsignedVarLong();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    // ---- lengths ----

    /// <summary>Reads an int16 length (-1 = null) and checks it fits in what remains.</summary>
    private int ReadInt16Length()
    {
        short len = ReadInt16();
        if (len < -1) throw new KafkaProtocolException($"Negative length {len}");
        if (len > Remaining) throw Truncated(len, Remaining);
        return len;
    }

    /// <summary>Reads an int32 length (-1 = null) and checks it fits in what remains.</summary>
    private int ReadInt32Length()
    {
        int len = ReadInt32();
        if (len < -1) throw new KafkaProtocolException($"Negative length {len}");
        if (len > Remaining) throw Truncated(len, Remaining);
        return len;
    }

    /// <summary>Reads a compact length (unsigned varint N+1; 0 = null) and checks it fits.</summary>
    private int ReadCompactLength()
    {
        uint n = ReadUnsignedVarInt();
        if (n == 0) return -1;
        long len = (long)n - 1;
        if (len > Remaining) throw Truncated((int)Math.Min(len, int.MaxValue), Remaining);
        return (int)len;
    }

    // ---- strings ----

    private string Utf8(int len) => len == 0 ? string.Empty : Encoding.UTF8.GetString(Take(len));

    public string? ReadNullableString()
    {
        int len = ReadInt16Length();
        return len < 0 ? null : Utf8(len);
    }

    public string ReadString() =>
        ReadNullableString() ?? throw new KafkaProtocolException("Non-nullable string was null");

    public string? ReadCompactNullableString()
    {
        int len = ReadCompactLength();
        return len < 0 ? null : Utf8(len);
    }

    public string ReadCompactString() =>
        ReadCompactNullableString() ?? throw new KafkaProtocolException("Non-nullable string was null");

    /// <summary>STRING or COMPACT_STRING, as the message version dictates.</summary>
    public string ReadString(bool flexible) => flexible ? ReadCompactString() : ReadString();

    /// <summary>NULLABLE_STRING or COMPACT_NULLABLE_STRING, as the message version dictates.</summary>
    public string? ReadNullableString(bool flexible) =>
        flexible ? ReadCompactNullableString() : ReadNullableString();

    // ---- bytes ----

    public byte[]? ReadNullableBytes()
    {
        int len = ReadInt32Length();
        return len < 0 ? null : Take(len).ToArray();
    }

    public byte[] ReadBytes() =>
        ReadNullableBytes() ?? throw new KafkaProtocolException("Non-nullable bytes were null");

    public byte[]? ReadCompactNullableBytes()
    {
        int len = ReadCompactLength();
        return len < 0 ? null : Take(len).ToArray();
    }

    public byte[] ReadCompactBytes() =>
        ReadCompactNullableBytes() ?? throw new KafkaProtocolException("Non-nullable bytes were null");

    public byte[] ReadBytes(bool flexible) => flexible ? ReadCompactBytes() : ReadBytes();

    public byte[]? ReadNullableBytes(bool flexible) =>
        flexible ? ReadCompactNullableBytes() : ReadNullableBytes();

    /// <summary>
    /// A <c>records</c> field (nullable bytes holding record batches), returned as a slice of the
    /// input without copying; null comes back empty. The batches are decoded elsewhere
    /// (Cluster.Domain.Log), so this layer only carries them.
    /// </summary>
    public ReadOnlyMemory<byte> ReadRecords(bool flexible)
    {
        int len = flexible ? ReadCompactLength() : ReadInt32Length();
        if (len <= 0) return ReadOnlyMemory<byte>.Empty;
        var slice = _memory.Slice(_position, len);
        _position += len;
        return slice;
    }

    /// <summary>Takes the next <paramref name="length"/> bytes as a reader of their own.</summary>
    public KafkaReader ReadSubReader(int length)
    {
        if ((uint)length > (uint)Remaining) throw Truncated(length, Remaining);
        var sub = new KafkaReader(_memory.Slice(_position, length));
        _position += length;
        return sub;
    }

    // ---- arrays ----

    /// <summary>
    /// Reads an array count (int32, or compact N+1 when flexible); -1 means null. The count is
    /// checked against the remaining bytes assuming each element takes at least
    /// <paramref name="minElementSize"/> bytes, so a forged count fails before any allocation.
    /// </summary>
    public int ReadArrayLength(bool flexible, int minElementSize = 1)
    {
        long count;
        if (flexible)
        {
            uint n = ReadUnsignedVarInt();
            count = (long)n - 1;
        }
        else
        {
            count = ReadInt32();
            if (count < -1) throw new KafkaProtocolException($"Negative array length {count}");
        }
        if (count > 0 && count * Math.Max(1, minElementSize) > Remaining)
            throw new KafkaProtocolException($"Array of {count} elements cannot fit in {Remaining} bytes");
        return (int)count;
    }

    /// <summary>A list sized for <paramref name="count"/> elements, but never pre-allocating more
    /// than a small cap: it grows as elements really decode.</summary>
    public static List<T> NewList<T>(int count) => new(Math.Min(Math.Max(count, 0), MaxInitialCapacity));

    public List<T>? ReadNullableArray<T>(short version, bool flexible) where T : IKafkaStruct<T>
    {
        int count = ReadArrayLength(flexible);
        if (count < 0) return null;
        var list = NewList<T>(count);
        for (int i = 0; i < count; i++) list.Add(T.Read(ref this, version));
        return list;
    }

    public List<T> ReadArray<T>(short version, bool flexible) where T : IKafkaStruct<T> =>
        ReadNullableArray<T>(version, flexible) ?? throw new KafkaProtocolException("Non-nullable array was null");

    public List<int>? ReadNullableInt32Array(bool flexible)
    {
        int count = ReadArrayLength(flexible, 4);
        if (count < 0) return null;
        var list = NewList<int>(count);
        for (int i = 0; i < count; i++) list.Add(ReadInt32());
        return list;
    }

    public List<int> ReadInt32Array(bool flexible) =>
        ReadNullableInt32Array(flexible) ?? throw new KafkaProtocolException("Non-nullable array was null");

    public List<long> ReadInt64Array(bool flexible)
    {
        int count = ReadArrayLength(flexible, 8);
        if (count < 0) throw new KafkaProtocolException("Non-nullable array was null");
        var list = NewList<long>(count);
        for (int i = 0; i < count; i++) list.Add(ReadInt64());
        return list;
    }

    public List<string>? ReadNullableStringArray(bool flexible)
    {
        int count = ReadArrayLength(flexible, flexible ? 1 : 2);
        if (count < 0) return null;
        var list = NewList<string>(count);
        for (int i = 0; i < count; i++) list.Add(ReadString(flexible));
        return list;
    }

    public List<string> ReadStringArray(bool flexible) =>
        ReadNullableStringArray(flexible) ?? throw new KafkaProtocolException("Non-nullable array was null");

    // ---- tagged fields (KIP-482) ----

    /// <summary>Reads the number of tagged fields that follow.</summary>
    public int ReadTaggedFieldCount()
    {
        uint n = ReadUnsignedVarInt();
        // Each field takes at least two bytes (tag and size).
        if ((long)n * 2 > Remaining)
            throw new KafkaProtocolException($"{n} tagged fields cannot fit in {Remaining} bytes");
        return (int)n;
    }

    /// <summary>Reads one tagged field's tag and returns a reader over exactly its payload.</summary>
    public KafkaReader ReadTaggedField(out uint tag)
    {
        tag = ReadUnsignedVarInt();
        uint size = ReadUnsignedVarInt();
        if (size > (uint)Remaining) throw Truncated((int)Math.Min(size, int.MaxValue), Remaining);
        return ReadSubReader((int)size);
    }

    /// <summary>Reads a tagged-field section, skipping every field (none of them are known).</summary>
    public void SkipTaggedFields()
    {
        int n = ReadTaggedFieldCount();
        for (int i = 0; i < n; i++) ReadTaggedField(out _);
    }

    /// <summary>Fails unless every byte was consumed (used by tests and strict callers).</summary>
    public readonly void EnsureEnd()
    {
        if (!IsEnd) throw new KafkaProtocolException($"{Remaining} unexpected trailing bytes");
    }
}
