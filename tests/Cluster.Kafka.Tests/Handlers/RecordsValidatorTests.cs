using System.Buffers.Binary;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Handlers;

namespace Cluster.Kafka.Tests.Handlers;

public class RecordsValidatorTests
{
    private static byte[] Batch(int records = 2, CompressionType compression = CompressionType.None, long producerId = -1)
    {
        var builder = new RecordBatchBuilder(compression, producerId, producerId < 0 ? (short)-1 : (short)0, producerId < 0 ? -1 : 0);
        for (var i = 0; i < records; i++) builder.Append(1_700_000_000_000 + i, new[] { (byte)i }, new[] { (byte)(i + 1) });
        return builder.Build();
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Whole_batches_pass_and_come_out_as_separate_arrays(CompressionType compression)
    {
        var a = Batch(3, compression);
        var b = Batch(1, compression, producerId: 7);
        var outcome = RecordsValidator.Validate(a.Concat(b).ToArray(), transactional: false);
        Assert.True(outcome.Ok, outcome.Message);
        Assert.Equal(2, outcome.Batches.Count);
        Assert.Equal(a, outcome.Batches[0]);
        Assert.Equal(b, outcome.Batches[1]);
    }

    [Fact]
    public void A_wrong_crc_is_CORRUPT_MESSAGE()
    {
        var batch = Batch();
        batch[^1] ^= 0xff;
        var outcome = RecordsValidator.Validate(batch, false);
        Assert.Equal(ErrorCode.CorruptMessage, outcome.Error);
        Assert.Contains("crc", outcome.Message);
        Assert.Empty(outcome.Batches);
    }

    [Fact]
    public void Magic_other_than_2_truncation_and_emptiness_are_CORRUPT_MESSAGE()
    {
        var magic1 = Batch();
        magic1[16] = 1;
        Assert.Equal(ErrorCode.CorruptMessage, RecordsValidator.Validate(magic1, false).Error);
        Assert.Equal(ErrorCode.CorruptMessage, RecordsValidator.Validate(Batch()[..40], false).Error);
        var withTail = Batch().Concat(Batch()[..30]).ToArray();
        Assert.Equal(ErrorCode.CorruptMessage, RecordsValidator.Validate(withTail, false).Error);
        Assert.Equal(ErrorCode.CorruptMessage, RecordsValidator.Validate(ReadOnlyMemory<byte>.Empty, false).Error);
    }

    [Fact]
    public void Control_batches_and_transactional_batches_without_a_transactional_id_are_INVALID_RECORD()
    {
        var control = RecordBatchBuilder.BuildControlBatch(5, 0, commit: true, coordinatorEpoch: 0, timestampMs: 1);
        Assert.Equal(ErrorCode.InvalidRecord, RecordsValidator.Validate(control, true).Error);

        var transactional = Batch(1, producerId: 9);
        var attributes = BinaryPrimitives.ReadInt16BigEndian(transactional.AsSpan(21));
        BinaryPrimitives.WriteInt16BigEndian(transactional.AsSpan(21), (short)(attributes | 0x10));
        BinaryPrimitives.WriteUInt32BigEndian(transactional.AsSpan(17), Crc32C.Compute(transactional.AsSpan(21)));
        Assert.Equal(ErrorCode.InvalidRecord, RecordsValidator.Validate(transactional, false).Error);
        Assert.True(RecordsValidator.Validate(transactional, true).Ok);
    }

    [Fact]
    public void A_last_offset_delta_that_disagrees_with_the_record_count_is_INVALID_RECORD()
    {
        var batch = Batch(3);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(23), 5);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), Crc32C.Compute(batch.AsSpan(21)));
        Assert.Equal(ErrorCode.InvalidRecord, RecordsValidator.Validate(batch, false).Error);
    }
}
