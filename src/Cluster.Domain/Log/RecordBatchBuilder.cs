using System.Buffers.Binary;
using System.Text;
using Cluster.Domain.Log.Compression;

namespace Cluster.Domain.Log;

// Builds one RecordBatch v2, as a producer would: records are written straight into a pooled buffer
// behind a reserved header, and Build() makes the one final array. baseOffset is 0 and
// partitionLeaderEpoch -1 until the leader stamps them (RecordBatch.SetBaseOffset/SetPartitionLeaderEpoch).
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly CompressionType _compression;
    private readonly long _producerId;
    private readonly short _producerEpoch;
    private readonly int _baseSequence;
    private readonly bool _isTransactional;
    private readonly bool _isControl;
    private PooledBufferWriter? _records;
    private int _count;
    private long _baseTimestamp;
    private long _maxTimestamp = RecordBatch.NoTimestamp;

    public RecordBatchBuilder(CompressionType compression = CompressionType.None, long producerId = RecordBatch.NoProducerId,
        short producerEpoch = RecordBatch.NoProducerEpoch, int baseSequence = RecordBatch.NoSequence, bool isTransactional = false)
        : this(compression, producerId, producerEpoch, baseSequence, isTransactional, isControl: false)
    {
    }

    private RecordBatchBuilder(CompressionType compression, long producerId, short producerEpoch, int baseSequence,
        bool isTransactional, bool isControl)
    {
        if (compression > CompressionType.Zstd) throw new ArgumentOutOfRangeException(nameof(compression));
        _compression = compression;
        _producerId = producerId;
        _producerEpoch = producerEpoch;
        _baseSequence = baseSequence;
        _isTransactional = isTransactional;
        _isControl = isControl;
        _records = new PooledBufferWriter();
        _records.Advance(RecordBatch.HeaderSize);
    }

    public int Count => _count;

    // Size of the batch if built now without compression: what batch.size limits are checked against.
    public int UncompressedSizeInBytes => Writer.WrittenCount;

    private PooledBufferWriter Writer => _records ?? throw new InvalidOperationException("the batch was already built");

    public RecordBatchBuilder Append(long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeader> headers = default) =>
        Append(timestamp, key, key is null, value, value is null, headers);

    // The allocation-free path: key and value come as spans (say, slices of a request body being
    // parsed), with the null flags standing in for Kafka's length -1.
    public RecordBatchBuilder Append(long timestamp, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value,
        bool valueIsNull, ReadOnlySpan<RecordHeader> headers = default)
    {
        var writer = Writer;
        if (timestamp < 0 && timestamp != RecordBatch.NoTimestamp)
            throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, "invalid negative timestamp");
        if (_count == int.MaxValue) throw new InvalidOperationException("too many records for one batch");

        if (_count == 0) _baseTimestamp = timestamp;
        long timestampDelta = timestamp - _baseTimestamp;
        int offsetDelta = _count;

        long bodySize = 1 + Varint.SizeOfVarlong(timestampDelta) + Varint.SizeOfVarint(offsetDelta)
            + SizeOfBytes(key.Length, keyIsNull) + SizeOfBytes(value.Length, valueIsNull)
            + Varint.SizeOfVarint(headers.Length);
        foreach (var header in headers)
        {
            if (header.Key is null) throw new ArgumentException("header keys must not be null", nameof(headers));
            int keyLength = Encoding.UTF8.GetByteCount(header.Key);
            bodySize += Varint.SizeOfVarint(keyLength) + keyLength
                + SizeOfBytes(header.Value?.Length ?? 0, !header.Value.HasValue);
        }

        long total = Varint.SizeOfVarint((int)Math.Min(bodySize, int.MaxValue)) + bodySize;
        if (bodySize > int.MaxValue || writer.WrittenCount + total > Array.MaxLength)
            throw new InvalidOperationException("the batch would exceed the largest possible array");

        var dst = writer.GetSpan((int)total);
        int p = Varint.WriteVarint(dst, (int)bodySize);
        dst[p++] = 0; // record attributes: unused in v2
        p += Varint.WriteVarlong(dst[p..], timestampDelta);
        p += Varint.WriteVarint(dst[p..], offsetDelta);
        p += WriteBytes(dst[p..], key, keyIsNull);
        p += WriteBytes(dst[p..], value, valueIsNull);
        p += Varint.WriteVarint(dst[p..], headers.Length);
        foreach (var header in headers)
        {
            int keyLength = Encoding.UTF8.GetByteCount(header.Key);
            p += Varint.WriteVarint(dst[p..], keyLength);
            p += Encoding.UTF8.GetBytes(header.Key, dst[p..]);
            p += header.Value is { } v ? WriteBytes(dst[p..], v.Span, false) : WriteBytes(dst[p..], default, true);
        }
        writer.Advance(p);

        _count++;
        if (timestamp > _maxTimestamp) _maxTimestamp = timestamp;
        return this;
    }

    public byte[] Build()
    {
        var records = Writer;
        if (_count == 0) throw new InvalidOperationException("cannot build a batch with no records");
        try
        {
            byte[] batch;
            if (_compression == CompressionType.None)
            {
                batch = records.WrittenSpan.ToArray();
            }
            else
            {
                using var compressed = new PooledBufferWriter(records.WrittenCount / 2 + RecordBatch.HeaderSize);
                compressed.Advance(RecordBatch.HeaderSize);
                RecordsCompression.Compress(_compression, records.WrittenSpan[RecordBatch.HeaderSize..], compressed);
                batch = compressed.WrittenSpan.ToArray();
            }
            WriteHeader(batch);
            return batch;
        }
        finally
        {
            Dispose();
        }
    }

    // A transaction marker as the coordinator writes it (MemoryRecords.withEndTransactionMarker):
    // a transactional control batch holding one record with no sequence.
    public static byte[] BuildControlBatch(long producerId, short producerEpoch, bool commit, int coordinatorEpoch, long timestampMs)
    {
        Span<byte> key = stackalloc byte[ControlRecord.KeySize];
        BinaryPrimitives.WriteInt16BigEndian(key, 0);
        BinaryPrimitives.WriteInt16BigEndian(key[2..], (short)(commit ? ControlRecordType.Commit : ControlRecordType.Abort));
        Span<byte> value = stackalloc byte[ControlRecord.EndTransactionMarkerValueSize];
        BinaryPrimitives.WriteInt16BigEndian(value, 0);
        BinaryPrimitives.WriteInt32BigEndian(value[2..], coordinatorEpoch);

        using var builder = new RecordBatchBuilder(CompressionType.None, producerId, producerEpoch, RecordBatch.NoSequence,
            isTransactional: true, isControl: true);
        return builder.Append(timestampMs, key, false, value, false).Build();
    }

    public void Dispose()
    {
        _records?.Dispose();
        _records = null;
    }

    private void WriteHeader(Span<byte> batch)
    {
        short attributes = (short)_compression;
        if (_isTransactional) attributes |= RecordBatch.TransactionalFlagMask;
        if (_isControl) attributes |= RecordBatch.ControlFlagMask;

        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.BaseOffsetOffset..], 0);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.LengthOffset..], batch.Length - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.PartitionLeaderEpochOffset..], RecordBatch.NoPartitionLeaderEpoch);
        batch[RecordBatch.MagicOffset] = RecordBatch.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatch.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.LastOffsetDeltaOffset..], _count - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.MaxTimestampOffset..], _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.ProducerIdOffset..], _producerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatch.ProducerEpochOffset..], _producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.BaseSequenceOffset..], _baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.RecordsCountOffset..], _count);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatch.CrcOffset..], Crc32C.Compute(batch[RecordBatch.AttributesOffset..]));
    }

    private static long SizeOfBytes(int length, bool isNull) => isNull ? 1 : Varint.SizeOfVarint(length) + (long)length;

    private static int WriteBytes(Span<byte> dst, ReadOnlySpan<byte> bytes, bool isNull)
    {
        if (isNull) return Varint.WriteVarint(dst, -1);
        int p = Varint.WriteVarint(dst, bytes.Length);
        bytes.CopyTo(dst[p..]);
        return p + bytes.Length;
    }
}
