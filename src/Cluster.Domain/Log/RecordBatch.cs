using System.Buffers.Binary;

namespace Cluster.Domain.Log;

// A view over exactly one RecordBatch v2 (magic 2), Kafka's on-disk and on-wire unit:
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records
//
// The CRC-32C covers attributes to the end, so the leader can stamp baseOffset and
// partitionLeaderEpoch without touching it.
public readonly partial struct RecordBatch
{
    internal const int BaseOffsetOffset = 0;
    internal const int LengthOffset = 8;
    internal const int PartitionLeaderEpochOffset = 12;
    internal const int MagicOffset = 16;
    internal const int CrcOffset = 17;
    internal const int AttributesOffset = 21;
    internal const int LastOffsetDeltaOffset = 23;
    internal const int BaseTimestampOffset = 27;
    internal const int MaxTimestampOffset = 35;
    internal const int ProducerIdOffset = 43;
    internal const int ProducerEpochOffset = 51;
    internal const int BaseSequenceOffset = 53;
    internal const int RecordsCountOffset = 57;
    internal const int RecordsOffset = 61;

    public const int LogOverhead = 12;
    public const int HeaderSize = RecordsOffset;
    public const byte CurrentMagic = 2;

    public const long NoProducerId = -1;
    public const short NoProducerEpoch = -1;
    public const int NoSequence = -1;
    public const int NoPartitionLeaderEpoch = -1;
    public const long NoTimestamp = -1;

    internal const short CompressionCodecMask = 0x07;
    internal const short TimestampTypeMask = 0x08;
    internal const short TransactionalFlagMask = 0x10;
    internal const short ControlFlagMask = 0x20;
    internal const short DeleteHorizonFlagMask = 0x40;

    private readonly ReadOnlyMemory<byte> _buffer;

    // For bytes validated earlier, such as batches read back from our own journal: checks only that
    // the header fits. Untrusted bytes go through Read/TryRead/Parse.
    public RecordBatch(ReadOnlyMemory<byte> buffer)
    {
        if (buffer.Length < HeaderSize)
            throw new ArgumentException($"a batch has at least {HeaderSize} bytes, got {buffer.Length}", nameof(buffer));
        _buffer = buffer;
    }

    // Exactly the batch's bytes, ready to be stored or sent as they are.
    public ReadOnlyMemory<byte> Buffer => _buffer;

    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(_buffer.Span[BaseOffsetOffset..]);
    public int BatchLength => BinaryPrimitives.ReadInt32BigEndian(_buffer.Span[LengthOffset..]);
    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(_buffer.Span[PartitionLeaderEpochOffset..]);
    public byte Magic => _buffer.Span[MagicOffset];
    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(_buffer.Span[CrcOffset..]);
    public short Attributes => BinaryPrimitives.ReadInt16BigEndian(_buffer.Span[AttributesOffset..]);
    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(_buffer.Span[LastOffsetDeltaOffset..]);
    public long BaseTimestamp => BinaryPrimitives.ReadInt64BigEndian(_buffer.Span[BaseTimestampOffset..]);
    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(_buffer.Span[MaxTimestampOffset..]);
    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(_buffer.Span[ProducerIdOffset..]);
    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(_buffer.Span[ProducerEpochOffset..]);
    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(_buffer.Span[BaseSequenceOffset..]);
    public int RecordCount => BinaryPrimitives.ReadInt32BigEndian(_buffer.Span[RecordsCountOffset..]);

    public CompressionType Compression => (CompressionType)(Attributes & CompressionCodecMask);
    public TimestampType TimestampType =>
        (Attributes & TimestampTypeMask) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
    public bool IsTransactional => (Attributes & TransactionalFlagMask) != 0;
    public bool IsControl => (Attributes & ControlFlagMask) != 0;
    public bool HasDeleteHorizonMs => (Attributes & DeleteHorizonFlagMask) != 0;

    // When the cleaner sets the delete horizon it stores it in the baseTimestamp field.
    public long DeleteHorizonMs => HasDeleteHorizonMs ? BaseTimestamp : NoTimestamp;

    public long LastOffset => BaseOffset + LastOffsetDelta;
    public long NextOffset => LastOffset + 1;
    public int SizeInBytes => LogOverhead + BatchLength;
    public bool HasProducerId => ProducerId > NoProducerId;

    public int LastSequence
    {
        get
        {
            int baseSequence = BaseSequence;
            return baseSequence == NoSequence ? NoSequence : IncrementSequence(baseSequence, LastOffsetDelta);
        }
    }

    // The records section as stored: compressed when Compression is not None.
    public ReadOnlyMemory<byte> RecordsData => _buffer[RecordsOffset..];

    public bool IsCrcValid() => Crc == ComputeChecksum();

    public uint ComputeChecksum() => Crc32C.Compute(_buffer.Span[AttributesOffset..]);

    public RecordEnumerator GetEnumerator() => new(this);

    public IEnumerable<Record> Records => Enumerate(this);

    private static IEnumerable<Record> Enumerate(RecordBatch batch)
    {
        foreach (var record in batch) yield return record;
    }

    // Sequences wrap from int.MaxValue to 0 (DefaultRecordBatch.incrementSequence).
    public static int IncrementSequence(int sequence, int increment)
    {
        if (sequence > int.MaxValue - increment) return increment - (int.MaxValue - sequence) - 1;
        return sequence + increment;
    }

    public override string ToString() =>
        $"RecordBatch(baseOffset={BaseOffset}, lastOffset={LastOffset}, count={RecordCount}, " +
        $"compression={Compression}, producerId={ProducerId}, producerEpoch={ProducerEpoch}, " +
        $"baseSequence={BaseSequence}, transactional={IsTransactional}, control={IsControl}, size={SizeInBytes})";
}
