using Cluster.Domain.Protocol;

namespace Cluster.Domain.Log;

/// <summary>Where one producer batch landed: what a duplicate is answered with.</summary>
public readonly record struct BatchMetadata(int FirstSeq, int LastSeq, long FirstOffset, long LastOffset);

/// <summary>An aborted transaction's span in this log (Kafka's .txnindex entry).</summary>
public readonly record struct AbortedTxn(long ProducerId, long FirstOffset, long LastOffset);

/// <summary>
/// Per producer id: its epoch, its last few batches (Kafka keeps five, the most a client has
/// in flight), and the first offset of its open transaction. Rebuilt from the log on
/// recovery and kept in snapshots, so a new leader deduplicates as the old one did.
/// </summary>
public sealed class ProducerStateEntry
{
    public const int MaxRecentBatches = 5;

    public ProducerStateEntry(long producerId, short epoch)
    {
        ProducerId = producerId;
        Epoch = epoch;
    }

    public long ProducerId { get; }
    public short Epoch { get; set; }
    public List<BatchMetadata> RecentBatches { get; } = new();
    public long CurrentTxnFirstOffset { get; set; } = -1;
    public long LastOffset { get; set; } = -1;

    public void AddBatch(BatchMetadata batch)
    {
        RecentBatches.Add(batch);
        if (RecentBatches.Count > MaxRecentBatches) RecentBatches.RemoveAt(0);
        LastOffset = batch.LastOffset;
    }
}

/// <summary>The outcome of checking a producer batch before it is appended.</summary>
public readonly record struct SequenceCheck(ErrorCode Error, BatchMetadata? Duplicate, string? Message = null)
{
    public static readonly SequenceCheck Append = new(ErrorCode.None, null);
    public bool IsDuplicate => Duplicate is not null;
}

public sealed class ProducerStateManager
{
    private readonly Dictionary<long, ProducerStateEntry> _producers = new();
    private readonly List<AbortedTxn> _aborted = new();

    public IReadOnlyDictionary<long, ProducerStateEntry> Producers => _producers;
    public IReadOnlyList<AbortedTxn> AbortedTransactions => _aborted;

    public ProducerStateEntry? Get(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>Record an appended batch (data or transaction marker).</summary>
    public void Apply(RecordBatch batch)
    {
        if (batch.ProducerId < 0) return;
        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
            _producers[batch.ProducerId] = entry = new ProducerStateEntry(batch.ProducerId, batch.ProducerEpoch);

        if (batch.ProducerEpoch > entry.Epoch)
        {
            entry.Epoch = batch.ProducerEpoch;
            entry.RecentBatches.Clear();
        }

        if (batch.IsControl)
        {
            var commit = ControlRecord.IsCommitMarker(batch);
            if (!commit && entry.CurrentTxnFirstOffset >= 0)
                _aborted.Add(new AbortedTxn(batch.ProducerId, entry.CurrentTxnFirstOffset, batch.LastOffset));
            entry.CurrentTxnFirstOffset = -1;
            entry.LastOffset = batch.LastOffset;
            return;
        }

        if (batch.IsTransactional && entry.CurrentTxnFirstOffset < 0)
            entry.CurrentTxnFirstOffset = batch.BaseOffset;
        entry.AddBatch(new BatchMetadata(batch.BaseSequence, batch.LastSequence, batch.BaseOffset, batch.LastOffset));
    }

    /// <summary>
    /// Kafka's sequence rules for an idempotent batch, against the producer's state as it will
    /// be once <paramref name="pending"/> (appended but not yet persisted) batches land.
    /// </summary>
    public SequenceCheck Check(long producerId, short epoch, int firstSeq, int lastSeq,
        short pendingEpoch, IReadOnlyList<BatchMetadata> pending)
    {
        var entry = Get(producerId);
        var currentEpoch = pending.Count > 0 ? pendingEpoch : entry?.Epoch ?? (short)-1;
        if (entry is null && pending.Count == 0)
            // A producer this log has never seen (or whose state retention dropped): accept.
            return SequenceCheck.Append;
        if (epoch < currentEpoch)
            return new SequenceCheck(ErrorCode.InvalidProducerEpoch, null,
                $"Producer {producerId} epoch {epoch} is older than the current epoch {currentEpoch}");

        var recent = new List<BatchMetadata>(ProducerStateEntry.MaxRecentBatches + pending.Count);
        if (entry is not null && entry.Epoch == currentEpoch) recent.AddRange(entry.RecentBatches);
        recent.AddRange(pending);

        if (epoch > currentEpoch)
            return firstSeq == 0
                ? SequenceCheck.Append
                : new SequenceCheck(ErrorCode.OutOfOrderSequenceNumber, null,
                    $"A new epoch {epoch} of producer {producerId} must start at sequence 0, not {firstSeq}");

        foreach (var batch in recent)
            if (batch.FirstSeq == firstSeq && batch.LastSeq == lastSeq)
                return new SequenceCheck(ErrorCode.None, batch);

        if (recent.Count == 0) return SequenceCheck.Append;
        var expected = NextSequence(recent[^1].LastSeq);
        return firstSeq == expected
            ? SequenceCheck.Append
            : new SequenceCheck(ErrorCode.OutOfOrderSequenceNumber, null,
                $"Producer {producerId} sent sequence {firstSeq}, expected {expected}");
    }

    public static int NextSequence(int sequence) => sequence == int.MaxValue ? 0 : sequence + 1;

    /// <summary>First offset of the oldest open transaction: the last stable offset's bound.</summary>
    public long FirstUnstableOffset()
    {
        var first = long.MaxValue;
        foreach (var entry in _producers.Values)
            if (entry.CurrentTxnFirstOffset >= 0 && entry.CurrentTxnFirstOffset < first)
                first = entry.CurrentTxnFirstOffset;
        return first;
    }

    /// <summary>Aborted transactions that overlap [from, to): what a read_committed reader must skip.</summary>
    public List<AbortedTxn> AbortedIn(long from, long to)
    {
        var result = new List<AbortedTxn>();
        foreach (var txn in _aborted)
            if (txn.LastOffset >= from && txn.FirstOffset < to) result.Add(txn);
        return result;
    }

    /// <summary>A follower dropped its suffix: forget what it held there.</summary>
    public void TruncateTo(long offset)
    {
        _aborted.RemoveAll(t => t.LastOffset >= offset);
        foreach (var (id, entry) in _producers.ToList())
        {
            entry.RecentBatches.RemoveAll(b => b.LastOffset >= offset);
            if (entry.CurrentTxnFirstOffset >= offset) entry.CurrentTxnFirstOffset = -1;
            if (entry.RecentBatches.Count == 0 && entry.CurrentTxnFirstOffset < 0) _producers.Remove(id);
            else entry.LastOffset = Math.Min(entry.LastOffset, offset - 1);
        }
    }

    /// <summary>Retention moved the log start: drop what lies wholly below it, as Kafka does.</summary>
    public void TruncateHead(long logStartOffset)
    {
        _aborted.RemoveAll(t => t.LastOffset < logStartOffset);
        foreach (var (id, entry) in _producers.ToList())
            if (entry.LastOffset < logStartOffset && entry.CurrentTxnFirstOffset < 0) _producers.Remove(id);
    }

    public void Clear()
    {
        _producers.Clear();
        _aborted.Clear();
    }

    internal void Restore(IEnumerable<ProducerStateEntry> producers, IEnumerable<AbortedTxn> aborted)
    {
        Clear();
        foreach (var p in producers) _producers[p.ProducerId] = p;
        _aborted.AddRange(aborted);
    }
}
