using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

// Bytes written by other implementations of the format, so ours is Kafka's and not merely
// self-consistent.
public class GoldenBatchTests
{
    // Shared records section of the Sarama (IBM/sarama record_test.go) vectors: one record,
    // timestampDelta 5, key 01 02 03 04, value 05 06 07, header key 08 09 0a, value 0b 0c.
    private static byte[] SaramaBatch(int length, byte[] crc, byte attributes, byte[] records) =>
    [
        0, 0, 0, 0, 0, 0, 0, 0,                  // baseOffset
        0, 0, 0, (byte)length,                   // batchLength
        0, 0, 0, 0,                              // partitionLeaderEpoch
        2,                                       // magic
        .. crc,
        0, attributes,
        0, 0, 0, 0,                              // lastOffsetDelta
        0, 0, 1, 88, 141, 205, 89, 56,           // baseTimestamp 1479847795000
        0, 0, 0, 0, 0, 0, 0, 0,                  // maxTimestamp
        0, 0, 0, 0, 0, 0, 0, 0,                  // producerId
        0, 0,                                    // producerEpoch
        0, 0, 0, 0,                              // baseSequence
        0, 0, 0, 1,                              // recordCount
        .. records,
    ];

    private static readonly byte[] SaramaRecord =
    [
        40,                                      // length varint: 20
        0,                                       // attributes
        10,                                      // timestampDelta varlong: 5
        0,                                       // offsetDelta
        8, 1, 2, 3, 4,                           // key length 4
        6, 5, 6, 7,                              // value length 3
        2,                                       // 1 header
        6, 8, 9, 10,                             // header key length 3
        4, 11, 12,                               // header value length 2
    ];

    public static TheoryData<string, byte[]> SaramaVectors => new()
    {
        { "uncompressed", SaramaBatch(70, [84, 121, 97, 253], 0, SaramaRecord) },
        {
            "gzip", SaramaBatch(95, [231, 74, 206, 165], 1,
            [
                31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 0, 21, 0, 234, 255, 40, 0, 10, 0, 8, 1, 2,
                3, 4, 6, 5, 6, 7, 2, 6, 8, 9, 10, 4, 11, 12, 3, 0, 173, 201, 88, 103, 21, 0, 0, 0,
            ])
        },
        // A bare snappy block without the xerial framing, as Sarama and librdkafka write it.
        {
            "snappy", SaramaBatch(72, [21, 0, 159, 97], 2,
                [21, 80, 40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6, 7, 2, 6, 8, 9, 10, 4, 11, 12])
        },
        // An LZ4 frame with a content checksum and 4 MiB blocks: not what we write, but valid.
        {
            "lz4", SaramaBatch(89, [169, 74, 119, 197], 3,
            [
                4, 34, 77, 24, 100, 112, 185, 21, 0, 0, 128, 40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6, 7, 2,
                6, 8, 9, 10, 4, 11, 12, 0, 0, 0, 0, 12, 59, 239, 146,
            ])
        },
    };

    [Theory]
    [MemberData(nameof(SaramaVectors))]
    public void Sarama_batches_decode(string name, byte[] bytes)
    {
        Assert.True(RecordBatch.TryRead(bytes, out var batch, out int consumed, out var error), $"{name}: {error}");
        Assert.Equal(bytes.Length, consumed);
        Assert.True(batch.IsCrcValid());
        Assert.Equal(1_479_847_795_000, batch.BaseTimestamp);
        Assert.Equal(0, batch.MaxTimestamp);
        Assert.Equal(0, batch.ProducerId);
        Assert.Equal(1, batch.RecordCount);

        var record = Assert.Single(batch.Records);
        Assert.Equal(0, record.Offset);
        Assert.Equal(1_479_847_795_005, record.Timestamp);
        Assert.Equal(0, record.Sequence);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, record.Key!.Value.ToArray());
        Assert.Equal(new byte[] { 5, 6, 7 }, record.Value!.Value.ToArray());
        var header = Assert.Single(record.Headers);
        Assert.Equal("\b\t\n", header.Key);
        Assert.Equal(new byte[] { 11, 12 }, header.Value!.Value.ToArray());
    }

    // Sarama's empty and control batches: zero records is legal (the log cleaner leaves such
    // batches behind to keep producer state).
    [Theory]
    [InlineData(new byte[] { 89, 95, 183, 221 }, 0)]
    [InlineData(new byte[] { 81, 46, 67, 217 }, 32)]
    public void Sarama_empty_batches_decode(byte[] crc, byte attributes)
    {
        // lastOffsetDelta, both timestamps, producer id, epoch, base sequence and count are all zero.
        byte[] exact = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 49, 0, 0, 0, 0, 2, .. crc, 0, attributes, .. new byte[38]];
        Assert.True(RecordBatch.TryRead(exact, out var batch, out _, out var error), error);
        Assert.Equal(attributes == 32, batch.IsControl);
        Assert.Equal(0, batch.RecordCount);
        Assert.Empty(batch.Records);
        Assert.False(ControlRecord.TryRead(batch, out _));
    }

    // Written by kafkajs 2.2.4 (an independent JavaScript client): base offset 1000, leader epoch 5,
    // transactional, producer 4242 epoch 3, base sequence 17, three records with headers, a null
    // key and a null value.
    private const string KafkajsUncompressed =
        "00000000000003e8000000690000000502ae7055240010000000020000018bcfe568000000018bcfe5692c00000000000010" +
        "9200030000001100000003480000000a6b65792d300a68656c6c6f041074726163652d6964066162630a656d707479001200" +
        "0e02010600ff80001000d80404026b0100";

    // The same records compressed by kafkajs, no producer id: gzip by Node's zlib, snappy as a bare
    // block by kafkajs-snappy (snappyjs), lz4 as a frame with content checksum by kafkajs-lz4.
    public static TheoryData<CompressionType, string> KafkajsCompressed => new()
    {
        {
            CompressionType.Gzip,
            "00000000000000000000007d00000000027ef9d8210001000000020000018bcfe568000000018bcfe5692cffffffffffffff" +
            "ffffffffffffff000000031f8b0800000000000003f3606060e0ca4eadd435e0ca48cdc9c9671128294a4c4ed5cd4c614b4c" +
            "4ae64acd2d28a9641062e063626463f8dfc020c070838585299b9101003f9e581938000000"
        },
        {
            CompressionType.Snappy,
            "00000000000000000000006b0000000002306161bd0002000000020000018bcfe568000000018bcfe5692cffffffffffffff" +
            "ffffffffffffff0000000338dc480000000a6b65792d300a68656c6c6f041074726163652d6964066162630a656d70747900" +
            "12000e02010600ff80001000d80404026b0100"
        },
        {
            CompressionType.Lz4,
            "00000000000000000000007e00000000024353bb6a0003000000020000018bcfe568000000018bcfe5692cffffffffffffff" +
            "ffffffffffffff0000000304224d186470b93a000000f029480000000a6b65792d300a68656c6c6f041074726163652d6964" +
            "066162630a656d7074790012000e02010600ff80001000d80404026b010000000000368ae685"
        },
    };

    private const long KafkajsT0 = 1_700_000_000_000;

    [Fact]
    public void Kafkajs_batch_decodes()
    {
        var batch = RecordBatch.Parse(Convert.FromHexString(KafkajsUncompressed));
        Assert.Equal(1000, batch.BaseOffset);
        Assert.Equal(5, batch.PartitionLeaderEpoch);
        Assert.True(batch.IsTransactional);
        Assert.Equal(4242, batch.ProducerId);
        Assert.Equal(3, batch.ProducerEpoch);
        Assert.Equal(17, batch.BaseSequence);
        Assert.Equal(19, batch.LastSequence);
        Assert.Equal(1002, batch.LastOffset);
        Assert.Equal(KafkajsT0 + 300, batch.MaxTimestamp);
        AssertKafkajsRecords(batch, 1000);
    }

    [Theory]
    [MemberData(nameof(KafkajsCompressed))]
    public void Kafkajs_compressed_batches_decode(CompressionType compression, string hex)
    {
        var batch = RecordBatch.Parse(Convert.FromHexString(hex));
        Assert.Equal(compression, batch.Compression);
        Assert.Equal(-1, batch.ProducerId);
        AssertKafkajsRecords(batch, 0);
    }

    // For uncompressed batches the encoding has no freedom, so our builder must reproduce
    // another client's bytes exactly.
    [Fact]
    public void Builder_reproduces_kafkajs_bytes()
    {
        using var builder = new RecordBatchBuilder(producerId: 4242, producerEpoch: 3, baseSequence: 17, isTransactional: true);
        builder.Append(KafkajsT0, "key-0"u8.ToArray(), "hello"u8.ToArray(),
            [new RecordHeader("trace-id", "abc"u8.ToArray()), new RecordHeader("empty", Array.Empty<byte>())]);
        builder.Append(KafkajsT0 + 7, null, [0, 255, 128]);
        builder.Append(KafkajsT0 + 300, "k"u8.ToArray(), null);
        var bytes = builder.Build();
        RecordBatch.SetBaseOffset(bytes, 1000);
        RecordBatch.SetPartitionLeaderEpoch(bytes, 5);

        Assert.Equal(KafkajsUncompressed, Convert.ToHexString(bytes).ToLowerInvariant());
    }

    private static void AssertKafkajsRecords(RecordBatch batch, long baseOffset)
    {
        var records = batch.Records.ToList();
        Assert.Equal(3, records.Count);
        Assert.Equal([baseOffset, baseOffset + 1, baseOffset + 2], records.Select(r => r.Offset).ToArray());
        Assert.Equal([KafkajsT0, KafkajsT0 + 7, KafkajsT0 + 300], records.Select(r => r.Timestamp).ToArray());
        Assert.Equal("key-0"u8.ToArray(), records[0].Key!.Value.ToArray());
        Assert.Equal("hello"u8.ToArray(), records[0].Value!.Value.ToArray());
        Assert.Equal(["trace-id", "empty"], records[0].Headers.Select(h => h.Key).ToArray());
        Assert.Equal("abc"u8.ToArray(), records[0].Headers[0].Value!.Value.ToArray());
        Assert.Equal(0, records[0].Headers[1].Value!.Value.Length);
        Assert.Null(records[1].Key);
        Assert.Equal(new byte[] { 0, 255, 128 }, records[1].Value!.Value.ToArray());
        Assert.Equal("k"u8.ToArray(), records[2].Key!.Value.ToArray());
        Assert.Null(records[2].Value);
    }
}
