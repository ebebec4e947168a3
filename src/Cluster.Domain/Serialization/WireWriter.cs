using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cluster.Domain.Serialization;

/// <summary>
/// Append-only binary writer for our own message and event formats. Little-endian
/// fixed-width integers, unsigned LEB128 varints for lengths and counts.
/// </summary>
public sealed class WireWriter
{
    private byte[] _buffer;
    private int _position;

    public WireWriter(int initialCapacity = 256) => _buffer = new byte[Math.Max(16, initialCapacity)];

    public int Length => _position;

    public byte[] ToArray() => _buffer.AsSpan(0, _position).ToArray();

    private Span<byte> Reserve(int count)
    {
        if (_position + count > _buffer.Length)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, _position + count)];
            _buffer.AsSpan(0, _position).CopyTo(grown);
            _buffer = grown;
        }
        var span = _buffer.AsSpan(_position, count);
        _position += count;
        return span;
    }

    public void Byte(byte value) => Reserve(1)[0] = value;
    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);
    public void Int16(short value) => BinaryPrimitives.WriteInt16LittleEndian(Reserve(2), value);
    public void Int32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
    public void Int64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void VarUInt(ulong value)
    {
        while (value >= 0x80)
        {
            Byte((byte)(value | 0x80));
            value >>= 7;
        }
        Byte((byte)value);
    }

    /// <summary>Zig-zag varint: small negative numbers (-1 = "none") stay one byte.</summary>
    public void VarInt(long value) => VarUInt((ulong)((value << 1) ^ (value >> 63)));

    public void String(string? value)
    {
        if (value is null)
        {
            VarInt(-1);
            return;
        }
        var count = Encoding.UTF8.GetByteCount(value);
        VarInt(count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        VarInt(value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void NullableBytes(byte[]? value)
    {
        if (value is null) VarInt(-1);
        else Bytes(value);
    }

    /// <summary>Bytes with no length prefix: for a payload that runs to the end of the message.</summary>
    public void Raw(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    public void List<T>(IReadOnlyCollection<T> items, Action<WireWriter, T> write)
    {
        VarInt(items.Count);
        foreach (var item in items) write(this, item);
    }

    /// <summary>An actor reference as its full remote path, so that it resolves on any node.</summary>
    public void ActorRef(Akka.Actor.IActorRef? actorRef) =>
        String(actorRef is null ? null : Akka.Serialization.Serialization.SerializedActorPath(actorRef));

    public void Int32List(IReadOnlyCollection<int> items)
    {
        VarInt(items.Count);
        foreach (var item in items) VarInt(item);
    }
}
