using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text;
using Cluster.Domain.Log;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Groups;

/// <summary>
/// The internal topic <c>__consumer_offsets</c> and its record format.
///
/// Keys are Kafka's own (big-endian, strings as int16 length + UTF-8), so a group's records
/// are recognised by key alone:
/// <list type="bullet">
/// <item>offset commit: <c>int16 version = 1 | string group | string topic | int32 partition</c> (version 0 is read too)</item>
/// <item>group metadata: <c>int16 version = 2 | string group</c></item>
/// <item>a producer's transactional offsets (ours: Kafka writes them as offset records in
/// transactional batches and ends them with markers): <c>int16 version = 3 | string group | int64 producerId</c>;
/// the value says pending (with the offsets) or completed (committed or aborted)</item>
/// </list>
/// Values are ours (<see cref="WireWriter"/> encoding, a leading format version byte); a null
/// value is a tombstone. One write of the coordinator is one record batch, so it lands whole
/// or not at all.
/// </summary>
public static class OffsetsTopic
{
    public const string Name = "__consumer_offsets";

    private const short OffsetKeyVersion = 1;
    private const short GroupKeyVersion = 2;
    private const short TxnOffsetsKeyVersion = 3;
    private const short NewestKeyVersion = TxnOffsetsKeyVersion;
    private const byte OffsetValueVersion = 1;
    private const byte GroupValueVersion = 1;
    private const byte TxnOffsetsValueVersion = 1;
    private const byte TxnPending = 0;
    private const byte TxnCompleted = 1;

    /// <summary>Kafka's rule: murmur2 of the group id's UTF-8 bytes, made positive, modulo the partition count.</summary>
    public static int PartitionFor(string groupId, int partitions) =>
        DefaultPartitioner.ToPositive(Murmur2.Hash(Encoding.UTF8.GetBytes(groupId))) % partitions;

    // ---------------------------------------------------------------- keys

    public static byte[] OffsetKey(string groupId, TopicPartition tp)
    {
        var key = new byte[2 + StringSize(groupId) + StringSize(tp.Topic) + 4];
        var span = key.AsSpan();
        BinaryPrimitives.WriteInt16BigEndian(span, OffsetKeyVersion);
        var p = 2 + WriteString(span[2..], groupId);
        p += WriteString(span[p..], tp.Topic);
        BinaryPrimitives.WriteInt32BigEndian(span[p..], tp.Partition);
        return key;
    }

    public static byte[] GroupMetadataKey(string groupId)
    {
        var key = new byte[2 + StringSize(groupId)];
        BinaryPrimitives.WriteInt16BigEndian(key, GroupKeyVersion);
        WriteString(key.AsSpan(2), groupId);
        return key;
    }

    public static byte[] TxnOffsetsKey(string groupId, long producerId)
    {
        var key = new byte[2 + StringSize(groupId) + 8];
        var span = key.AsSpan();
        BinaryPrimitives.WriteInt16BigEndian(span, TxnOffsetsKeyVersion);
        var p = 2 + WriteString(span[2..], groupId);
        BinaryPrimitives.WriteInt64BigEndian(span[p..], producerId);
        return key;
    }

    /// <summary>The group a key belongs to, without decoding the rest; null for a key that is not ours or is broken.</summary>
    public static string? GroupOf(ReadOnlySpan<byte> key)
    {
        if (key.Length < 4) return null;
        var version = BinaryPrimitives.ReadInt16BigEndian(key);
        if (version is < 0 or > NewestKeyVersion) return null;
        var length = BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        if (length < 0 || 4 + length > key.Length) return null;
        return Encoding.UTF8.GetString(key.Slice(4, length));
    }

    /// <summary>True when <paramref name="key"/> is one of <paramref name="groupUtf8"/>'s keys (compared as bytes: no allocation per foreign record).</summary>
    public static bool BelongsTo(ReadOnlySpan<byte> key, ReadOnlySpan<byte> groupUtf8) =>
        key.Length >= 4 + groupUtf8.Length &&
        BinaryPrimitives.ReadInt16BigEndian(key) is >= 0 and <= NewestKeyVersion &&
        BinaryPrimitives.ReadInt16BigEndian(key[2..]) == groupUtf8.Length &&
        key.Slice(4, groupUtf8.Length).SequenceEqual(groupUtf8);

    // ---------------------------------------------------------------- records

    /// <summary>The records one durable event is written as.</summary>
    public static IEnumerable<(byte[] Key, byte[]? Value)> RecordsOf(string groupId, IDurableGroupEvent e) => e switch
    {
        OffsetsCommitted c => c.Offsets.Select(o => (OffsetKey(groupId, o.Partition), (byte[]?)OffsetValue(o.Offset))),
        OffsetsRemoved r => r.Partitions.Select(tp => (OffsetKey(groupId, tp), (byte[]?)null)),
        GenerationStarted g => new[] { (GroupMetadataKey(groupId), (byte[]?)GroupValue(g)) },
        GroupMetadataRemoved => new[] { (GroupMetadataKey(groupId), (byte[]?)null) },
        TxnOffsetsPending p => new[] { (TxnOffsetsKey(groupId, p.ProducerId), (byte[]?)TxnPendingValue(p)) },
        TxnOffsetsCompleted c => new[] { (TxnOffsetsKey(groupId, c.ProducerId), (byte[]?)TxnCompletedValue(c)) },
        _ => throw new ArgumentException($"Not a durable group event: {e.GetType().Name}", nameof(e)),
    };

    /// <summary>One RecordBatch v2 holding every record of <paramref name="events"/>, in order.</summary>
    public static byte[] BuildBatch(string groupId, IEnumerable<IDurableGroupEvent> events, long timestampMs, TransactionalWrite? transaction = null)
    {
        using var builder = transaction is null
            ? new RecordBatchBuilder()
            : new RecordBatchBuilder(CompressionType.None, transaction.ProducerId, transaction.ProducerEpoch, transaction.BaseSequence, isTransactional: true);
        foreach (var e in events)
            foreach (var (key, value) in RecordsOf(groupId, e))
                builder.Append(timestampMs, key, value);
        return builder.Build();
    }

    /// <summary>
    /// The event a record of <paramref name="groupId"/> stands for; null for another group's
    /// record or a key version we do not know (a newer format is skipped, not fatal).
    /// </summary>
    public static GroupEvent? EventOf(string groupId, ReadOnlySpan<byte> key, ReadOnlyMemory<byte>? value, long timestampMs)
    {
        if (key.Length < 2) return null;
        var version = BinaryPrimitives.ReadInt16BigEndian(key);
        var p = 2;
        string group;
        try
        {
            group = ReadString(key, ref p);
            if (group != groupId) return null;
            if (version is 0 or OffsetKeyVersion)
            {
                var tp = new TopicPartition(ReadString(key, ref p), BinaryPrimitives.ReadInt32BigEndian(key[p..]));
                return value is null
                    ? new OffsetsRemoved(ImmutableArray.Create(tp))
                    : new OffsetsCommitted(ImmutableArray.Create(new CommittedOffset(tp, ReadOffsetValue(value.Value.ToArray()))));
            }
            if (version == GroupKeyVersion)
                return value is null ? new GroupMetadataRemoved() : ReadGroupValue(value.Value.ToArray(), timestampMs);
            if (version == TxnOffsetsKeyVersion)
                return value is null ? null : ReadTxnOffsetsValue(BinaryPrimitives.ReadInt64BigEndian(key[p..]), value.Value.ToArray());
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new SerializationException($"Broken {Name} key: {e.Message}");
        }
        return null;
    }

    // ---------------------------------------------------------------- values

    private static byte[] OffsetValue(OffsetAndMetadata o)
    {
        var w = new WireWriter(32 + o.Metadata.Length);
        w.Byte(OffsetValueVersion);
        w.VarInt(o.Offset);
        w.String(o.Metadata);
        w.VarInt(o.CommitTimestampMs);
        // Kafka's committed leader epoch; not tracked yet.
        w.VarInt(-1);
        return w.ToArray();
    }

    private static OffsetAndMetadata ReadOffsetValue(byte[] bytes)
    {
        var r = new WireReader(bytes);
        var version = r.Byte();
        if (version != OffsetValueVersion) throw new SerializationException($"Unknown offset value version {version}");
        var offset = r.VarInt();
        var metadata = r.String() ?? "";
        var timestamp = r.VarInt();
        return new OffsetAndMetadata(offset, metadata, timestamp);
    }

    private static byte[] GroupValue(GenerationStarted g)
    {
        var w = new WireWriter();
        w.Byte(GroupValueVersion);
        w.VarInt(g.Generation);
        w.String(g.Protocol);
        w.List(g.Members, (x, m) =>
        {
            x.String(m.MemberId);
            x.VarInt(m.SessionTimeoutMs);
            x.String(m.Assignor);
            x.List(m.Topics, (y, t) => y.String(t));
            x.List(m.Assignment, WritePartition);
        });
        return w.ToArray();
    }

    private static GenerationStarted ReadGroupValue(byte[] bytes, long timestampMs)
    {
        var r = new WireReader(bytes);
        var version = r.Byte();
        if (version != GroupValueVersion) throw new SerializationException($"Unknown group metadata value version {version}");
        var generation = r.VarInt32();
        var protocol = r.String();
        var members = r.List(x =>
        {
            var memberId = x.RequiredString();
            var sessionTimeoutMs = x.VarInt32();
            var assignor = x.String();
            var topics = x.List(y => y.RequiredString()).ToImmutableArray();
            var assignment = x.List(ReadPartition).ToImmutableArray();
            return new GroupMember(memberId, topics, sessionTimeoutMs, assignor, assignment, timestampMs, AwaitingJoin: false);
        });
        return new GenerationStarted(generation, protocol, members.ToImmutableArray(), timestampMs);
    }

    private static byte[] TxnPendingValue(TxnOffsetsPending p)
    {
        var w = new WireWriter(32 + p.Offsets.Length * 32);
        w.Byte(TxnOffsetsValueVersion);
        w.Byte(TxnPending);
        w.Int16(p.ProducerEpoch);
        w.VarInt(p.TransactionNumber);
        w.List(p.Offsets, (x, o) =>
        {
            WritePartition(x, o.Partition);
            x.VarInt(o.Offset.Offset);
            x.String(o.Offset.Metadata);
            x.VarInt(o.Offset.CommitTimestampMs);
        });
        return w.ToArray();
    }

    private static byte[] TxnCompletedValue(TxnOffsetsCompleted c)
    {
        var w = new WireWriter(16);
        w.Byte(TxnOffsetsValueVersion);
        w.Byte(TxnCompleted);
        w.VarInt(c.TransactionNumber);
        w.Bool(c.Committed);
        return w.ToArray();
    }

    private static GroupEvent ReadTxnOffsetsValue(long producerId, byte[] bytes)
    {
        var r = new WireReader(bytes);
        var version = r.Byte();
        if (version != TxnOffsetsValueVersion) throw new SerializationException($"Unknown transactional offsets value version {version}");
        return r.Byte() switch
        {
            TxnPending => new TxnOffsetsPending(producerId, r.Int16(), r.VarInt(), r.List(x => new CommittedOffset(ReadPartition(x),
                new OffsetAndMetadata(x.VarInt(), x.String() ?? "", x.VarInt()))).ToImmutableArray()),
            TxnCompleted => new TxnOffsetsCompleted(producerId, r.VarInt(), r.Bool()),
            var kind => throw new SerializationException($"Unknown transactional offsets record kind {kind}"),
        };
    }

    internal static void WritePartition(WireWriter w, TopicPartition tp)
    {
        w.String(tp.Topic);
        w.VarInt(tp.Partition);
    }

    internal static TopicPartition ReadPartition(WireReader r) => new(r.RequiredString(), r.VarInt32());

    // ---------------------------------------------------------------- Kafka strings

    private static int StringSize(string s)
    {
        var bytes = Encoding.UTF8.GetByteCount(s);
        if (bytes > short.MaxValue) throw new ArgumentException($"'{s[..20]}...' is longer than {short.MaxValue} bytes");
        return 2 + bytes;
    }

    private static int WriteString(Span<byte> span, string s)
    {
        var written = Encoding.UTF8.GetBytes(s, span[2..]);
        BinaryPrimitives.WriteInt16BigEndian(span, (short)written);
        return 2 + written;
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int p)
    {
        var length = BinaryPrimitives.ReadInt16BigEndian(span[p..]);
        if (length < 0 || p + 2 + length > span.Length) throw new SerializationException($"Bad string length {length} in a {Name} key");
        var s = Encoding.UTF8.GetString(span.Slice(p + 2, length));
        p += 2 + length;
        return s;
    }
}
