using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;

namespace Cluster.Domain.Serialization;

/// <summary>Reads what <see cref="WireWriter"/> wrote; any inconsistency is a SerializationException.</summary>
public sealed class WireReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private int _position;

    public WireReader(byte[] buffer) : this(buffer, 0, buffer.Length) { }

    /// <summary>Set by the serializer so actor references can be resolved.</summary>
    public Akka.Actor.ExtendedActorSystem? System { get; init; }

    public WireReader(byte[] buffer, int offset, int count)
    {
        _buffer = buffer;
        _position = offset;
        _end = offset + count;
    }

    public int Remaining => _end - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _end - _position)
            throw new SerializationException($"Message truncated: wanted {count} bytes, {_end - _position} left");
        var span = _buffer.AsSpan(_position, count);
        _position += count;
        return span;
    }

    public byte Byte() => Take(1)[0];
    public bool Bool() => Byte() != 0;
    public short Int16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));
    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong VarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new SerializationException("Varint too long");
    }

    public long VarInt()
    {
        var raw = VarUInt();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int VarInt32() => checked((int)VarInt());

    private int Length()
    {
        var length = VarInt();
        if (length < -1 || length > Remaining)
            throw new SerializationException($"Bad length {length} with {Remaining} bytes left");
        return (int)length;
    }

    public string? String()
    {
        var length = Length();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public string RequiredString() => String() ?? throw new SerializationException("Unexpected null string");

    public byte[]? NullableBytes()
    {
        var length = Length();
        return length < 0 ? null : Take(length).ToArray();
    }

    public byte[] Bytes() => NullableBytes() ?? throw new SerializationException("Unexpected null bytes");

    /// <summary>The rest of the message, as written by <see cref="WireWriter.Raw"/>.</summary>
    public byte[] RawToEnd() => Take(Remaining).ToArray();

    public List<T> List<T>(Func<WireReader, T> read)
    {
        var count = Length();
        var list = new List<T>(count);
        for (var i = 0; i < count; i++) list.Add(read(this));
        return list;
    }

    public Akka.Actor.IActorRef? ActorRef()
    {
        var path = String();
        if (path is null) return null;
        if (System is null) throw new SerializationException("Cannot resolve an actor reference without an actor system");
        return System.Provider.ResolveActorRef(path);
    }

    public int[] Int32List()
    {
        var count = Length();
        var list = new int[count];
        for (var i = 0; i < count; i++) list[i] = VarInt32();
        return list;
    }
}
