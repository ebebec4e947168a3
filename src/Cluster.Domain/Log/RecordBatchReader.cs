using System.Collections;

namespace Cluster.Domain.Log;

// Reads the concatenated batches of Kafka's "records" field (Produce and Fetch). Stops at the first
// batch that is truncated or corrupt; Result and Error tell which, Position where it starts.
//
//   var reader = new RecordBatchReader(bytes);
//   foreach (var batch in reader) { ... }
//   if (reader.Result == BatchReadResult.Corrupt) { ... }
public sealed class RecordBatchReader : IEnumerable<RecordBatch>
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly bool _verifyCrc;

    public RecordBatchReader(ReadOnlyMemory<byte> buffer, bool verifyCrc = true)
    {
        _buffer = buffer;
        _verifyCrc = verifyCrc;
    }

    public int Position { get; private set; }
    public BatchReadResult Result { get; private set; } = BatchReadResult.Ok;
    public string? Error { get; private set; }

    public bool IsTruncated => Result == BatchReadResult.Truncated;
    public bool IsCorrupt => Result == BatchReadResult.Corrupt;

    public bool TryReadNext(out RecordBatch batch)
    {
        batch = default;
        if (Result != BatchReadResult.Ok || Position >= _buffer.Length) return false;
        Result = RecordBatch.Read(_buffer[Position..], out batch, out int consumed, out var error, _verifyCrc);
        Error = error;
        if (Result != BatchReadResult.Ok) return false;
        Position += consumed;
        return true;
    }

    public IEnumerator<RecordBatch> GetEnumerator()
    {
        while (TryReadNext(out var batch)) yield return batch;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
