namespace Cluster.Domain.Log;

/// <summary>
/// One index entry per span of whole batches (a new span starts once the current one holds
/// <c>index-interval-bytes</c>): like Kafka's sparse offset and time indexes, so memory
/// grows with bytes/interval, not with the number of records or batches.
/// </summary>
public readonly record struct IndexEntry(long BaseOffset, long SeqNr, long Position, long MaxTimestamp, long FirstBatchMaxTimestamp);

public sealed class OffsetIndex
{
    private readonly List<IndexEntry> _entries = new();

    public OffsetIndex(int intervalBytes) => IntervalBytes = intervalBytes;

    public int IntervalBytes { get; }

    /// <summary>Byte position (counted since the log was created) where the next batch goes.</summary>
    public long NextPosition { get; private set; }

    public IReadOnlyList<IndexEntry> Entries => _entries;
    public int Count => _entries.Count;
    public long RetainedBytes => _entries.Count == 0 ? 0 : NextPosition - _entries[0].Position;

    public void Append(long baseOffset, long seqNr, int sizeInBytes, long maxTimestamp)
    {
        if (_entries.Count == 0 || NextPosition - _entries[^1].Position >= IntervalBytes)
            _entries.Add(new IndexEntry(baseOffset, seqNr, NextPosition, maxTimestamp, maxTimestamp));
        else if (maxTimestamp > _entries[^1].MaxTimestamp)
            _entries[^1] = _entries[^1] with { MaxTimestamp = maxTimestamp };
        NextPosition += sizeInBytes;
    }

    /// <summary>The span that holds <paramref name="offset"/>: the last entry at or below it.</summary>
    public int FloorIndex(long offset)
    {
        int lo = 0, hi = _entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_entries[mid].BaseOffset <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>The first span that starts at or above <paramref name="offset"/>; -1 when none does.</summary>
    public int CeilingIndex(long offset)
    {
        var next = FloorIndex(offset - 1) + 1;
        return next < _entries.Count ? next : -1;
    }

    /// <summary>First span whose newest timestamp reaches <paramref name="timestamp"/>.</summary>
    public int FirstIndexWithMaxTimestampAtLeast(long timestamp)
    {
        for (var i = 0; i < _entries.Count; i++)
            if (_entries[i].MaxTimestamp >= timestamp) return i;
        return -1;
    }

    /// <summary>Bytes of span <paramref name="i"/>.</summary>
    public long SpanBytes(int i) =>
        (i + 1 < _entries.Count ? _entries[i + 1].Position : NextPosition) - _entries[i].Position;

    /// <summary>Forget spans that start at or above a truncation point.</summary>
    public void TruncateTo(long offset)
    {
        var keep = _entries.Count;
        while (keep > 0 && _entries[keep - 1].BaseOffset >= offset) keep--;
        if (keep < _entries.Count)
        {
            NextPosition = _entries[keep].Position;
            _entries.RemoveRange(keep, _entries.Count - keep);
        }
    }

    /// <summary>Drop the first <paramref name="count"/> spans (their batches were deleted).</summary>
    public void RemoveFirst(int count) => _entries.RemoveRange(0, Math.Min(count, _entries.Count));

    /// <summary>Retention deleted the first batches of the oldest span: it now starts later.</summary>
    public void SplitFirst(long baseOffset, long seqNr, long deletedBytes, long firstBatchMaxTimestamp)
    {
        if (_entries.Count == 0) return;
        var first = _entries[0];
        _entries[0] = first with
        {
            BaseOffset = baseOffset,
            SeqNr = seqNr,
            Position = first.Position + deletedBytes,
            FirstBatchMaxTimestamp = firstBatchMaxTimestamp,
        };
    }

    public void Clear() => _entries.Clear();

    internal void Restore(IEnumerable<IndexEntry> entries, long nextPosition)
    {
        _entries.Clear();
        _entries.AddRange(entries);
        NextPosition = nextPosition;
    }
}
