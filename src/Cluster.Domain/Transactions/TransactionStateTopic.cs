using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Serialization;

namespace Cluster.Domain.Transactions;

/// <summary>
/// The internal topic <c>__transaction_state</c> and its record format: one record per state
/// change of a transactional id, the newest one wins (as after Kafka's compaction).
///
/// Key: Kafka's TransactionLogKey v0 (<c>int16 version = 0 | string transactionalId</c>,
/// big-endian, the string as int16 length + UTF-8). Value: ours (<see cref="WireWriter"/>
/// encoding after a format version byte), holding the whole <see cref="TransactionMetadata"/>.
/// </summary>
public static class TransactionStateTopic
{
    public const string Name = "__transaction_state";

    private const short KeyVersion = 0;
    private const byte ValueVersion = 1;

    /// <summary>murmur2 of the id's UTF-8 bytes, made positive, modulo the partition count (as for groups).</summary>
    public static int PartitionFor(string transactionalId, int partitions) =>
        DefaultPartitioner.ToPositive(Murmur2.Hash(Encoding.UTF8.GetBytes(transactionalId))) % partitions;

    public static byte[] Key(string transactionalId)
    {
        var length = Encoding.UTF8.GetByteCount(transactionalId);
        if (length > short.MaxValue) throw new ArgumentException("The transactional id is too long", nameof(transactionalId));
        var key = new byte[4 + length];
        BinaryPrimitives.WriteInt16BigEndian(key, KeyVersion);
        BinaryPrimitives.WriteInt16BigEndian(key.AsSpan(2), (short)length);
        Encoding.UTF8.GetBytes(transactionalId, key.AsSpan(4));
        return key;
    }

    /// <summary>The transactional id of a key; null for a key that is not ours or is broken.</summary>
    public static string? TransactionalIdOf(ReadOnlySpan<byte> key)
    {
        if (key.Length < 4 || BinaryPrimitives.ReadInt16BigEndian(key) != KeyVersion) return null;
        var length = BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        if (length < 0 || 4 + length != key.Length) return null;
        return Encoding.UTF8.GetString(key.Slice(4, length));
    }

    /// <summary>One record batch holding the state (a write lands whole or not at all).</summary>
    public static byte[] BuildBatch(TransactionMetadata metadata, long timestampMs)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(timestampMs, Key(metadata.TransactionalId), Value(metadata));
        return builder.Build();
    }

    public static byte[] Value(TransactionMetadata metadata)
    {
        var w = new WireWriter(64 + metadata.Partitions.Count * 24);
        w.Byte(ValueVersion);
        Write(w, metadata);
        return w.ToArray();
    }

    public static TransactionMetadata ReadValue(string transactionalId, ReadOnlySpan<byte> value)
    {
        var r = new WireReader(value.ToArray());
        var version = r.Byte();
        if (version != ValueVersion) throw new SerializationException($"Unknown {Name} value version {version}");
        var metadata = Read(r);
        if (metadata.TransactionalId != transactionalId)
            throw new SerializationException($"A {Name} record of '{metadata.TransactionalId}' under the key of '{transactionalId}'");
        return metadata;
    }

    /// <summary>The state as it travels and is stored (shared with the wire codecs).</summary>
    internal static void Write(WireWriter w, TransactionMetadata m)
    {
        w.String(m.TransactionalId);
        w.VarInt(m.ProducerId);
        w.Int16(m.ProducerEpoch);
        w.VarInt(m.PreviousProducerId);
        w.Int16(m.LastProducerEpoch);
        w.VarInt(m.TimeoutMs);
        w.Byte((byte)m.State);
        w.List(m.Partitions, OffsetsTopic.WritePartition);
        w.List(m.Groups, (x, g) => x.String(g));
        w.VarInt(m.TransactionNumber);
        w.VarInt(m.StartTimestampMs);
        w.VarInt(m.LastUpdateTimestampMs);
        w.Bytes(m.EndRequestId.ToByteArray());
    }

    internal static TransactionMetadata Read(WireReader r)
    {
        var transactionalId = r.RequiredString();
        var producerId = r.VarInt();
        var producerEpoch = r.Int16();
        var previousProducerId = r.VarInt();
        var lastProducerEpoch = r.Int16();
        var timeoutMs = r.VarInt32();
        var state = (TransactionState)r.Byte();
        if (state > TransactionState.Dead) throw new SerializationException($"Unknown transaction state {(byte)state}");
        var partitions = r.List(OffsetsTopic.ReadPartition).ToImmutableSortedSet(TopicPartitionOrder.Instance);
        var groups = r.List(x => x.RequiredString()).ToImmutableSortedSet(StringComparer.Ordinal);
        var number = r.VarInt();
        var start = r.VarInt();
        var lastUpdate = r.VarInt();
        var requestIdBytes = r.Bytes();
        if (requestIdBytes.Length != 16) throw new SerializationException($"A request id of {requestIdBytes.Length} bytes");
        var endRequestId = new Guid(requestIdBytes);
        return new TransactionMetadata(transactionalId, producerId, producerEpoch, previousProducerId, lastProducerEpoch, timeoutMs, state,
            partitions, groups, number, start, lastUpdate, endRequestId);
    }
}
