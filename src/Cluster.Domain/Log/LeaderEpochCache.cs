namespace Cluster.Domain.Log;

public readonly record struct EpochEntry(int Epoch, long StartOffset);

/// <summary>
/// Kafka's leader-epoch checkpoint: for each leader epoch, the first offset written in it.
/// Answers "where does epoch E end in this log", which is how a returning replica finds
/// the suffix it must truncate (KIP-101) instead of trusting the high watermark.
/// </summary>
public sealed class LeaderEpochCache
{
    private readonly List<EpochEntry> _entries = new();

    public IReadOnlyList<EpochEntry> Entries => _entries;

    public int LatestEpoch => _entries.Count == 0 ? -1 : _entries[^1].Epoch;

    public void Assign(int epoch, long startOffset)
    {
        if (epoch <= LatestEpoch) return;
        // An epoch that starts where the previous one started never wrote anything.
        while (_entries.Count > 0 && _entries[^1].StartOffset >= startOffset) _entries.RemoveAt(_entries.Count - 1);
        _entries.Add(new EpochEntry(epoch, startOffset));
    }

    /// <summary>
    /// The largest epoch at or below <paramref name="epoch"/> and the offset where it ends in
    /// this log (start of the next epoch, or the log end). (-1, -1) when the log knows none.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int epoch, long logEndOffset)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Epoch > epoch) continue;
            var end = i + 1 < _entries.Count ? _entries[i + 1].StartOffset : logEndOffset;
            return (_entries[i].Epoch, end);
        }
        return (-1, -1);
    }

    public void TruncateFromEnd(long endOffset)
    {
        while (_entries.Count > 0 && _entries[^1].StartOffset >= endOffset) _entries.RemoveAt(_entries.Count - 1);
    }

    public void TruncateFromStart(long startOffset)
    {
        // Keep the epoch that covers the new start, moved up to it.
        var firstKept = 0;
        while (firstKept + 1 < _entries.Count && _entries[firstKept + 1].StartOffset <= startOffset) firstKept++;
        _entries.RemoveRange(0, firstKept);
        if (_entries.Count > 0 && _entries[0].StartOffset < startOffset)
            _entries[0] = _entries[0] with { StartOffset = startOffset };
    }

    public void Clear() => _entries.Clear();

    internal void Restore(IEnumerable<EpochEntry> entries)
    {
        _entries.Clear();
        _entries.AddRange(entries);
    }
}
