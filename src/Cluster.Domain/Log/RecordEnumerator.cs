using Cluster.Domain.Log.Compression;

namespace Cluster.Domain.Log;

// Walks the records of one batch. A compressed batch is inflated once, when the enumerator is
// created. Malformed records throw CorruptRecordException, as do trailing bytes after the
// declared count (Kafka: "Incorrect declared batch size, records still remaining").
public struct RecordEnumerator
{
    private readonly ReadOnlyMemory<byte> _records;
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly int _baseSequence;
    private readonly long? _logAppendTime;
    private int _remaining;
    private int _position;
    private Record _current;

    internal RecordEnumerator(RecordBatch batch)
    {
        _baseOffset = batch.BaseOffset;
        _baseTimestamp = batch.BaseTimestamp;
        _baseSequence = batch.BaseSequence;
        _logAppendTime = batch.TimestampType == TimestampType.LogAppendTime ? batch.MaxTimestamp : null;
        _remaining = batch.RecordCount;
        if (_remaining < 0) throw new CorruptRecordException($"invalid record count {_remaining}");
        // Like Kafka, a batch with no records yields none without looking further: the cleaner
        // leaves such batches behind as bare headers.
        if (_remaining == 0) _records = ReadOnlyMemory<byte>.Empty;
        else if (batch.Compression == CompressionType.None) _records = batch.RecordsData;
        else _records = RecordsCompression.Decompress(batch.Compression, batch.RecordsData);
        _position = 0;
        _current = default;
    }

    public readonly Record Current => _current;

    public bool MoveNext()
    {
        if (_remaining == 0)
        {
            if (_position != _records.Length)
                throw new CorruptRecordException(
                    $"incorrect declared batch size: {_records.Length - _position} bytes remain after the last record");
            _position = _records.Length;
            return false;
        }

        _current = Record.ReadFrom(_records, ref _position, _baseOffset, _baseTimestamp, _baseSequence, _logAppendTime);
        _remaining--;
        return true;
    }
}
