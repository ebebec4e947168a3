using System.Text;

namespace Cluster.Domain.Log;

// One record of a v2 batch with its offset, timestamp and sequence made absolute. Key, Value and
// header values point into the batch bytes (or the decompressed records), so they live as long as
// the caller keeps the Record.
public readonly struct Record
{
    private static readonly RecordHeader[] NoHeaders = [];

    internal Record(long offset, int offsetDelta, long timestamp, int sequence, byte attributes,
        ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, IReadOnlyList<RecordHeader> headers, int sizeInBytes)
    {
        Offset = offset;
        OffsetDelta = offsetDelta;
        Timestamp = timestamp;
        Sequence = sequence;
        Attributes = attributes;
        Key = key;
        Value = value;
        Headers = headers;
        SizeInBytes = sizeInBytes;
    }

    public long Offset { get; }
    public int OffsetDelta { get; }
    public long Timestamp { get; }
    public int Sequence { get; }
    public byte Attributes { get; }
    public ReadOnlyMemory<byte>? Key { get; }
    public ReadOnlyMemory<byte>? Value { get; }
    public IReadOnlyList<RecordHeader> Headers { get; }
    public int SizeInBytes { get; }

    public bool HasKey => Key.HasValue;
    public bool HasValue => Value.HasValue;

    // DefaultRecord.readFrom: the body is parsed within its declared length and must fill it exactly.
    internal static Record ReadFrom(ReadOnlyMemory<byte> records, ref int position, long baseOffset,
        long baseTimestamp, int baseSequence, long? logAppendTime)
    {
        var outer = new SpanReader(records.Span, position);
        int bodySize = outer.ReadVarint();
        if (bodySize < 0 || bodySize > outer.Remaining)
            throw new CorruptRecordException(
                $"invalid record size: {bodySize} bytes declared, {outer.Remaining} bytes left in the batch");
        int bodyStart = outer.Position;
        int bodyEnd = bodyStart + bodySize;
        var body = records[..bodyEnd];
        var reader = new SpanReader(body.Span, bodyStart);

        byte attributes = reader.ReadByte();
        long timestampDelta = reader.ReadVarlong();
        long timestamp = logAppendTime ?? baseTimestamp + timestampDelta;
        int offsetDelta = reader.ReadVarint();
        int sequence = baseSequence >= 0 ? RecordBatch.IncrementSequence(baseSequence, offsetDelta) : RecordBatch.NoSequence;

        var key = ReadNullableBytes(ref reader, body);
        var value = ReadNullableBytes(ref reader, body);

        int headerCount = reader.ReadVarint();
        if (headerCount < 0)
            throw new CorruptRecordException($"invalid number of record headers: {headerCount}");
        // Every header takes at least two bytes, so this bounds the allocation below by the input.
        if (headerCount > reader.Remaining)
            throw new CorruptRecordException(
                $"invalid number of record headers: {headerCount} is more than the {reader.Remaining} bytes left");
        IReadOnlyList<RecordHeader> headers = headerCount == 0 ? NoHeaders : ReadHeaders(ref reader, body, headerCount);

        if (reader.Position != bodyEnd)
            throw new CorruptRecordException(
                $"invalid record size: {bodySize} bytes declared, but the record read {reader.Position - bodyStart}");

        int sizeInBytes = bodyEnd - position;
        position = bodyEnd;
        return new Record(baseOffset + offsetDelta, offsetDelta, timestamp, sequence, attributes,
            key, value, headers, sizeInBytes);
    }

    private static ReadOnlyMemory<byte>? ReadNullableBytes(ref SpanReader reader, ReadOnlyMemory<byte> body)
    {
        int length = reader.ReadVarint();
        if (length < 0) return null;
        return body.Slice(reader.Skip(length), length);
    }

    private static RecordHeader[] ReadHeaders(ref SpanReader reader, ReadOnlyMemory<byte> body, int count)
    {
        var headers = new RecordHeader[count];
        for (int i = 0; i < count; i++)
        {
            int keyLength = reader.ReadVarint();
            if (keyLength < 0)
                throw new CorruptRecordException($"invalid negative header key size {keyLength}");
            int keyStart = reader.Skip(keyLength);
            string key = Encoding.UTF8.GetString(body.Span.Slice(keyStart, keyLength));
            headers[i] = new RecordHeader(key, ReadNullableBytes(ref reader, body));
        }
        return headers;
    }
}
