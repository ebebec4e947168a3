using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Cluster.Domain.Protocol;

namespace Cluster.Kafka.Protocol;

/// <summary>
/// Writes Kafka's wire primitives into a growable buffer rented from <see cref="ArrayPool{T}"/>.
/// Dispose it to return the buffer; <see cref="WrittenMemory"/> is only valid until then.
/// <para>
/// Non-nullable strings, bytes and arrays given as null are written empty rather than
/// failing: a response half-written because of a missing optional value would cost the
/// client its connection, while an empty value is what Kafka itself defaults to.
/// </para>
/// </summary>
public sealed class KafkaWriter : IDisposable
{
    private byte[] _buffer;
    private int _position;

    public KafkaWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    public int Position => _position;
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _position);
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Forgets everything written, keeping the buffer.</summary>
    public void Reset() => _position = 0;

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        _position = 0;
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }

    private Span<byte> Grab(int count)
    {
        if (_buffer.Length - _position < count) Grow(count);
        var s = _buffer.AsSpan(_position, count);
        _position += count;
        return s;
    }

    private void Grow(int needed)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        long wanted = Math.Max(Math.Min((long)_buffer.Length * 2, Array.MaxLength), (long)_position + needed);
        if (wanted > Array.MaxLength) throw new KafkaProtocolException("Message too large to encode", ErrorCode.MessageTooLarge);
        var bigger = ArrayPool<byte>.Shared.Rent((int)wanted);
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    // ---- fixed-size integers ----

    public void WriteInt8(sbyte v) => Grab(1)[0] = (byte)v;
    public void WriteBool(bool v) => Grab(1)[0] = v ? (byte)1 : (byte)0;
    public void WriteInt16(short v) => BinaryPrimitives.WriteInt16BigEndian(Grab(2), v);
    public void WriteUInt16(ushort v) => BinaryPrimitives.WriteUInt16BigEndian(Grab(2), v);
    public void WriteInt32(int v) => BinaryPrimitives.WriteInt32BigEndian(Grab(4), v);
    public void WriteUInt32(uint v) => BinaryPrimitives.WriteUInt32BigEndian(Grab(4), v);
    public void WriteInt64(long v) => BinaryPrimitives.WriteInt64BigEndian(Grab(8), v);
    public void WriteErrorCode(ErrorCode v) => WriteInt16((short)v);
    public void WriteFloat64(double v) => BinaryPrimitives.WriteDoubleBigEndian(Grab(8), v);

    public void WriteUuid(Guid v)
    {
        if (!v.TryWriteBytes(Grab(16), bigEndian: true, out _))
            throw new InvalidOperationException("Guid did not fit 16 bytes");
    }

    /// <summary>Overwrites an int32 written earlier (size prefixes).</summary>
    public void PatchInt32(int offset, int v) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(offset, 4), v);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grab(bytes.Length));

    // ---- varints ----

    public void WriteUnsignedVarInt(uint v)
    {
        while (v >= 0x80)
        {
            Grab(1)[0] = (byte)(v | 0x80);
            v >>= 7;
        }
        Grab(1)[0] = (byte)v;
    }

    public void WriteUnsignedVarLong(ulong v)
    {
        while (v >= 0x80)
        {
            Grab(1)[0] = (byte)(v | 0x80);
            v >>= 7;
        }
        Grab(1)[0] = (byte)v;
    }

    public void WriteVarInt(int v) => WriteUnsignedVarInt((uint)((v << 1) ^ (v >> 31)));
    public void WriteVarLong(long v) => WriteUnsignedVarLong((ulong)((v << 1) ^ (v >> 63)));

    public static int UnsignedVarIntSize(uint v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    // ---- strings ----

    public void WriteNullableString(string? s)
    {
        if (s is null) { WriteInt16(-1); return; }
        int len = Encoding.UTF8.GetByteCount(s);
        if (len > short.MaxValue)
            throw new KafkaProtocolException($"String of {len} bytes is too long for an int16 length");
        WriteInt16((short)len);
        Encoding.UTF8.GetBytes(s, Grab(len));
    }

    public void WriteString(string? s) => WriteNullableString(s ?? string.Empty);

    public void WriteCompactNullableString(string? s)
    {
        if (s is null) { WriteUnsignedVarInt(0); return; }
        int len = Encoding.UTF8.GetByteCount(s);
        WriteUnsignedVarInt((uint)len + 1);
        Encoding.UTF8.GetBytes(s, Grab(len));
    }

    public void WriteCompactString(string? s) => WriteCompactNullableString(s ?? string.Empty);

    public void WriteString(string? s, bool flexible)
    {
        if (flexible) WriteCompactString(s); else WriteString(s);
    }

    public void WriteNullableString(string? s, bool flexible)
    {
        if (flexible) WriteCompactNullableString(s); else WriteNullableString(s);
    }

    // ---- bytes ----

    /// <summary>BYTES / NULLABLE_BYTES: int32 length (-1 = null), then the bytes.</summary>
    public void WriteInt32LengthBytes(ReadOnlySpan<byte> bytes, bool isNull = false)
    {
        if (isNull) { WriteInt32(-1); return; }
        WriteInt32(bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>COMPACT_BYTES / COMPACT_NULLABLE_BYTES: unsigned varint length+1 (0 = null), then the bytes.</summary>
    public void WriteCompactLengthBytes(ReadOnlySpan<byte> bytes, bool isNull = false)
    {
        if (isNull) { WriteUnsignedVarInt(0); return; }
        WriteUnsignedVarInt((uint)bytes.Length + 1);
        WriteRaw(bytes);
    }

    public void WriteNullableBytes(byte[]? bytes) => WriteInt32LengthBytes(bytes, bytes is null);
    public void WriteBytes(byte[]? bytes) => WriteInt32LengthBytes(bytes ?? []);
    public void WriteCompactNullableBytes(byte[]? bytes) => WriteCompactLengthBytes(bytes, bytes is null);
    public void WriteCompactBytes(byte[]? bytes) => WriteCompactLengthBytes(bytes ?? []);

    public void WriteBytes(byte[]? bytes, bool flexible)
    {
        if (flexible) WriteCompactBytes(bytes); else WriteBytes(bytes);
    }

    public void WriteNullableBytes(byte[]? bytes, bool flexible)
    {
        if (flexible) WriteCompactNullableBytes(bytes); else WriteNullableBytes(bytes);
    }

    /// <summary>A <c>records</c> field: the record batches' bytes as they are.</summary>
    public void WriteRecords(ReadOnlyMemory<byte> records, bool flexible)
    {
        if (flexible) WriteCompactLengthBytes(records.Span);
        else WriteInt32LengthBytes(records.Span);
    }

    // ---- arrays ----

    /// <summary>Writes an array count (int32, or compact N+1 when flexible); -1 = null.</summary>
    public void WriteArrayLength(int count, bool flexible)
    {
        if (flexible) WriteUnsignedVarInt(count < 0 ? 0u : (uint)count + 1);
        else WriteInt32(count < 0 ? -1 : count);
    }

    public void WriteNullableArray<T>(IReadOnlyList<T>? items, short version, bool flexible) where T : IKafkaStruct<T>
    {
        if (items is null) { WriteArrayLength(-1, flexible); return; }
        WriteArrayLength(items.Count, flexible);
        for (int i = 0; i < items.Count; i++) items[i].Write(this, version);
    }

    public void WriteArray<T>(IReadOnlyList<T>? items, short version, bool flexible) where T : IKafkaStruct<T> =>
        WriteNullableArray(items ?? [], version, flexible);

    public void WriteNullableInt32Array(IReadOnlyList<int>? items, bool flexible)
    {
        if (items is null) { WriteArrayLength(-1, flexible); return; }
        WriteArrayLength(items.Count, flexible);
        for (int i = 0; i < items.Count; i++) WriteInt32(items[i]);
    }

    public void WriteInt32Array(IReadOnlyList<int>? items, bool flexible) => WriteNullableInt32Array(items ?? [], flexible);

    public void WriteInt64Array(IReadOnlyList<long>? items, bool flexible)
    {
        items ??= [];
        WriteArrayLength(items.Count, flexible);
        for (int i = 0; i < items.Count; i++) WriteInt64(items[i]);
    }

    public void WriteNullableStringArray(IReadOnlyList<string>? items, bool flexible)
    {
        if (items is null) { WriteArrayLength(-1, flexible); return; }
        WriteArrayLength(items.Count, flexible);
        for (int i = 0; i < items.Count; i++) WriteString(items[i], flexible);
    }

    public void WriteStringArray(IReadOnlyList<string>? items, bool flexible) => WriteNullableStringArray(items ?? [], flexible);

    // ---- tagged fields (KIP-482) ----

    /// <summary>An empty tagged-field section: what we write wherever we have nothing to tag.</summary>
    public void WriteEmptyTaggedFields() => WriteUnsignedVarInt(0);

    public void WriteTaggedFieldCount(int count) => WriteUnsignedVarInt((uint)count);

    /// <summary>
    /// Writes one tagged field: its tag, its size and the payload <paramref name="body"/> writes.
    /// The payload goes through a scratch writer because its size precedes it.
    /// </summary>
    public void WriteTaggedField<TState>(uint tag, TState state, Action<KafkaWriter, TState> body)
    {
        using var scratch = new KafkaWriter(64);
        body(scratch, state);
        WriteUnsignedVarInt(tag);
        WriteUnsignedVarInt((uint)scratch.Position);
        WriteRaw(scratch.WrittenSpan);
    }
}
