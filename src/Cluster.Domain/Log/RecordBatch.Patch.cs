using System.Buffers.Binary;

namespace Cluster.Domain.Log;

// In-place edits the partition leader makes before appending a producer's batch.
public readonly partial struct RecordBatch
{
    // Outside the CRC: no checksum to recompute.
    public static void SetBaseOffset(Span<byte> batch, long baseOffset)
    {
        EnsureHeader(batch);
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetOffset..], baseOffset);
    }

    // Outside the CRC: no checksum to recompute.
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int epoch)
    {
        EnsureHeader(batch);
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], epoch);
    }

    // For topics with message.timestamp.type=LogAppendTime (DefaultRecordBatch.setMaxTimestamp).
    // Both fields are inside the CRC, so it is recomputed, and only when something changed.
    public static void SetMaxTimestamp(Span<byte> batch, TimestampType timestampType, long maxTimestamp)
    {
        EnsureHeader(batch);
        int size = checked(LogOverhead + BinaryPrimitives.ReadInt32BigEndian(batch[LengthOffset..]));
        if (size > batch.Length || size < HeaderSize)
            throw new ArgumentException($"batch declares {size} bytes, span holds {batch.Length}", nameof(batch));
        batch = batch[..size];

        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]);
        short updated = timestampType == TimestampType.LogAppendTime
            ? (short)(attributes | TimestampTypeMask)
            : (short)(attributes & ~TimestampTypeMask);
        if (updated == attributes && BinaryPrimitives.ReadInt64BigEndian(batch[MaxTimestampOffset..]) == maxTimestamp)
            return;

        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], updated);
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], maxTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], Crc32C.Compute(batch[AttributesOffset..]));
    }

    private static void EnsureHeader(Span<byte> batch)
    {
        if (batch.Length < HeaderSize)
            throw new ArgumentException($"a batch has at least {HeaderSize} bytes, got {batch.Length}", nameof(batch));
    }
}
