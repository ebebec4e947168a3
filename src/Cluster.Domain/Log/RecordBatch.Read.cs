using System.Buffers.Binary;

namespace Cluster.Domain.Log;

public enum BatchReadResult
{
    Ok,
    // The buffer ends inside the batch: normal at the tail of a fetch response, which may cut the
    // last batch short.
    Truncated,
    Corrupt,
}

public readonly partial struct RecordBatch
{
    public static bool TryRead(ReadOnlyMemory<byte> buffer, out RecordBatch batch, out int consumed, out string? error) =>
        Read(buffer, out batch, out consumed, out error) == BatchReadResult.Ok;

    // Validates the frame of the first batch in buffer: length, magic, CRC, compression id and
    // record count. Records are checked only when enumerated. Never throws for malformed bytes.
    public static BatchReadResult Read(ReadOnlyMemory<byte> buffer, out RecordBatch batch, out int consumed,
        out string? error, bool verifyCrc = true)
    {
        batch = default;
        consumed = 0;
        var span = buffer.Span;
        if (span.Length < LogOverhead)
        {
            error = $"truncated batch: {span.Length} bytes, fewer than the {LogOverhead} of base offset and length";
            return BatchReadResult.Truncated;
        }

        int batchLength = BinaryPrimitives.ReadInt32BigEndian(span[LengthOffset..]);
        if (batchLength < HeaderSize - LogOverhead)
        {
            error = $"batch length {batchLength} is smaller than the minimum {HeaderSize - LogOverhead}";
            return BatchReadResult.Corrupt;
        }

        // Like Kafka's log input stream, the magic is judged before waiting for the rest of the batch.
        if (span.Length > MagicOffset && span[MagicOffset] != CurrentMagic)
        {
            error = $"unsupported magic {(sbyte)span[MagicOffset]}: only RecordBatch v2 (magic 2) is supported";
            return BatchReadResult.Corrupt;
        }

        long size = (long)LogOverhead + batchLength;
        if (span.Length < size)
        {
            error = $"truncated batch: {size} bytes declared, {span.Length} in the buffer";
            return BatchReadResult.Truncated;
        }

        var candidate = new RecordBatch(buffer[..(int)size]);
        if (verifyCrc)
        {
            uint stored = candidate.Crc, computed = candidate.ComputeChecksum();
            if (stored != computed)
            {
                error = $"batch is corrupt (stored crc = {stored}, computed crc = {computed})";
                return BatchReadResult.Corrupt;
            }
        }

        int codec = candidate.Attributes & CompressionCodecMask;
        if (codec > (int)CompressionType.Zstd)
        {
            error = $"unknown compression type id {codec}";
            return BatchReadResult.Corrupt;
        }

        if (candidate.RecordCount < 0)
        {
            error = $"invalid record count {candidate.RecordCount}";
            return BatchReadResult.Corrupt;
        }

        batch = candidate;
        consumed = (int)size;
        error = null;
        return BatchReadResult.Ok;
    }

    // For bytes that must hold exactly one valid batch, such as a stored journal event.
    public static RecordBatch Parse(ReadOnlyMemory<byte> buffer)
    {
        if (!TryRead(buffer, out var batch, out int consumed, out var error))
            throw new CorruptRecordException(error!);
        if (consumed != buffer.Length)
            throw new CorruptRecordException($"{buffer.Length - consumed} bytes follow the batch");
        return batch;
    }
}
