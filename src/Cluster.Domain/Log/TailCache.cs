namespace Cluster.Domain.Log;

public readonly record struct CachedBatch(long BaseOffset, long NextOffset, long SeqNr, byte[] Bytes);

/// <summary>
/// The newest batches of the log kept in memory (bounded by bytes), so that followers and
/// consumers at the tail, the common case, never touch the journal. Older reads go to the
/// journal through the offset index.
/// </summary>
public sealed class TailCache
{
    private readonly List<CachedBatch> _batches = new();
    private int _head;
    private long _bytes;

    public TailCache(long maxBytes) => MaxBytes = maxBytes;

    public long MaxBytes { get; }
    public long Bytes => _bytes;
    public int Count => _batches.Count - _head;

    /// <summary>Lowest offset the cache can serve, or long.MaxValue when empty.</summary>
    public long StartOffset => Count == 0 ? long.MaxValue : _batches[_head].BaseOffset;

    public void Add(CachedBatch batch)
    {
        _batches.Add(batch);
        _bytes += batch.Bytes.Length;
        // Keep at least the newest batch, however big: it is the one everybody asks for.
        while (_bytes > MaxBytes && Count > 1) RemoveHead();
        Compact();
    }

    private void RemoveHead()
    {
        _bytes -= _batches[_head].Bytes.Length;
        _batches[_head] = default;
        _head++;
    }

    private void Compact()
    {
        if (_head > 64 && _head * 2 > _batches.Count)
        {
            _batches.RemoveRange(0, _head);
            _head = 0;
        }
    }

    /// <summary>Can the cache serve a read starting at <paramref name="offset"/>?</summary>
    public bool Covers(long offset) => Count > 0 && offset >= StartOffset;

    /// <summary>
    /// Batches holding offsets from <paramref name="offset"/> on, below <paramref name="upTo"/>,
    /// up to <paramref name="maxBytes"/> (the first batch always, as Kafka does, so that one
    /// big batch never blocks a reader).
    /// </summary>
    public List<byte[]> Read(long offset, long upTo, int maxBytes) =>
        ReadEntries(offset, upTo, maxBytes).ConvertAll(b => b.Bytes);

    public List<CachedBatch> ReadEntries(long offset, long upTo, int maxBytes)
    {
        var result = new List<CachedBatch>();
        var i = FirstWithNextOffsetAbove(offset);
        long bytes = 0;
        for (; i < _batches.Count; i++)
        {
            var b = _batches[i];
            if (b.BaseOffset >= upTo) break;
            if (result.Count > 0 && bytes + b.Bytes.Length > maxBytes) break;
            result.Add(b);
            bytes += b.Bytes.Length;
        }
        return result;
    }

    private int FirstWithNextOffsetAbove(long offset)
    {
        int lo = _head, hi = _batches.Count - 1, found = _batches.Count;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_batches[mid].NextOffset > offset) { found = mid; hi = mid - 1; }
            else lo = mid + 1;
        }
        return found;
    }

    /// <summary>The cached batch that holds <paramref name="offset"/>, if any.</summary>
    public CachedBatch? Find(long offset)
    {
        var i = FirstWithNextOffsetAbove(offset);
        return i < _batches.Count && _batches[i].BaseOffset <= offset ? _batches[i] : null;
    }

    public void TruncateTo(long offset)
    {
        while (Count > 0 && _batches[^1].BaseOffset >= offset)
        {
            _bytes -= _batches[^1].Bytes.Length;
            _batches.RemoveAt(_batches.Count - 1);
        }
    }

    public void RemoveBelow(long offset)
    {
        while (Count > 0 && _batches[_head].NextOffset <= offset) RemoveHead();
        Compact();
    }

    public void Clear()
    {
        _batches.Clear();
        _head = 0;
        _bytes = 0;
    }
}
