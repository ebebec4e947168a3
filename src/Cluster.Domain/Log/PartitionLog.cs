namespace Cluster.Domain.Log;

/// <summary>A suffix dropped at <see cref="Offset"/>: batches persisted before <see cref="BeforeSeqNr"/> at or above it are dead.</summary>
public readonly record struct Truncation(long Offset, long BeforeSeqNr);

public sealed record LogSettings(int IndexIntervalBytes, long TailCacheBytes)
{
    public static readonly LogSettings Default = new(4096, 4 * 1024 * 1024);
}

/// <summary>
/// The persisted state of one partition replica's log, changed only by applying journal
/// events in order (so recovery and live appends run the same code). Batch bytes live in
/// the journal; this holds what is needed to find them and to reason about them.
/// </summary>
public sealed class PartitionLog
{
    private readonly List<Truncation> _truncations = new();

    public PartitionLog(LogSettings settings)
    {
        Settings = settings;
        Index = new OffsetIndex(settings.IndexIntervalBytes);
        Tail = new TailCache(settings.TailCacheBytes);
    }

    public LogSettings Settings { get; }
    public long LogStartOffset { get; private set; }
    public long LogEndOffset { get; private set; }

    /// <summary>Set by the replica's role (leader computes it, follower copies it); kept ≤ the log end.</summary>
    public long HighWatermark { get; private set; }

    /// <summary>Journal sequence number of the last applied event.</summary>
    public long LastSeqNr { get; private set; }

    public long BatchesAppended { get; private set; }
    public long BytesAppended { get; private set; }

    public OffsetIndex Index { get; }
    public LeaderEpochCache Epochs { get; } = new();
    public ProducerStateManager Producers { get; } = new();
    public TailCache Tail { get; }
    public IReadOnlyList<Truncation> Truncations => _truncations;

    public long SizeInBytes => Index.RetainedBytes;
    public int AverageBatchBytes => BatchesAppended == 0 ? 1024 : (int)Math.Max(64, BytesAppended / BatchesAppended);

    /// <summary>Kafka's last stable offset: below the first open transaction and the high watermark.</summary>
    public long LastStableOffset => Math.Min(HighWatermark, Producers.FirstUnstableOffset());

    /// <summary>After recovery: the journal's highest sequence number may be past the last event we applied.</summary>
    public void AdvanceSeqNr(long seqNr) => LastSeqNr = Math.Max(LastSeqNr, seqNr);

    public void UpdateHighWatermark(long highWatermark) =>
        HighWatermark = Math.Clamp(highWatermark, LogStartOffset, LogEndOffset);

    public void Apply(ILogEvent logEvent, long seqNr)
    {
        switch (logEvent)
        {
            case BatchAppended appended: ApplyBatch(appended.Batch, seqNr); break;
            case LeaderEpochStarted started: Epochs.Assign(started.Epoch, started.StartOffset); break;
            case LogTruncated truncated: ApplyTruncation(truncated.Offset, seqNr); break;
            case LogStartOffsetAdvanced advanced: ApplyLogStart(advanced); break;
        }
        LastSeqNr = seqNr;
    }

    private void ApplyBatch(byte[] bytes, long seqNr)
    {
        var batch = new RecordBatch(bytes);
        if (batch.BaseOffset != LogEndOffset)
            throw new InvalidOperationException(
                $"Batch at offset {batch.BaseOffset} does not continue the log ending at {LogEndOffset}");
        Index.Append(batch.BaseOffset, seqNr, bytes.Length, batch.MaxTimestamp);
        if (batch.PartitionLeaderEpoch > Epochs.LatestEpoch) Epochs.Assign(batch.PartitionLeaderEpoch, batch.BaseOffset);
        Producers.Apply(batch);
        Tail.Add(new CachedBatch(batch.BaseOffset, batch.NextOffset, seqNr, bytes));
        LogEndOffset = batch.NextOffset;
        BatchesAppended++;
        BytesAppended += bytes.Length;
    }

    private void ApplyTruncation(long offset, long seqNr)
    {
        offset = Math.Max(offset, LogStartOffset);
        if (offset >= LogEndOffset)
        {
            // No batch to drop, but epochs begun at the log end never wrote anything here
            // and must not be reported to a new leader as this log's latest epoch.
            Epochs.TruncateFromEnd(offset);
            return;
        }
        LogEndOffset = offset;
        HighWatermark = Math.Min(HighWatermark, offset);
        Index.TruncateTo(offset);
        Epochs.TruncateFromEnd(offset);
        Producers.TruncateTo(offset);
        Tail.TruncateTo(offset);
        _truncations.Add(new Truncation(offset, seqNr));
    }

    private void ApplyLogStart(LogStartOffsetAdvanced advanced)
    {
        var offset = advanced.Offset;
        if (offset <= LogStartOffset) return;
        LogStartOffset = offset;
        if (offset >= LogEndOffset)
        {
            // Everything is gone (retention of the whole log, or a follower restarting its log
            // at the leader's log start): the log continues from here.
            LogEndOffset = offset;
            Index.Clear();
            Tail.Clear();
        }
        else
        {
            var drop = 0;
            var entries = Index.Entries;
            while (drop + 1 < entries.Count && entries[drop + 1].BaseOffset <= offset) drop++;
            Index.RemoveFirst(drop);
            if (advanced.SplitSeqNr >= 0 && Index.Count > 0 && Index.Entries[0].BaseOffset < offset)
            {
                var firstKept = Tail.Find(offset);
                Index.SplitFirst(offset, advanced.SplitSeqNr, advanced.SplitBytes,
                    firstKept is { } kept ? new RecordBatch(kept.Bytes).MaxTimestamp : Index.Entries[0].MaxTimestamp);
            }
            Tail.RemoveBelow(offset);
        }
        HighWatermark = Math.Max(HighWatermark, offset);
        Epochs.TruncateFromStart(offset);
        Producers.TruncateHead(offset);
        var firstRetainedSeq = Index.Count > 0 ? Index.Entries[0].SeqNr : long.MaxValue;
        _truncations.RemoveAll(t => t.BeforeSeqNr <= firstRetainedSeq);
    }

    /// <summary>Journal events up to this sequence number hold nothing retained any more.</summary>
    public long DeletableUpToSeqNr => Index.Count > 0 ? Index.Entries[0].SeqNr - 1 : LastSeqNr;

    /// <summary>Was a batch read back from the journal dropped by a later truncation?</summary>
    public static bool IsDead(IReadOnlyList<Truncation> truncations, long seqNr, long baseOffset)
    {
        foreach (var t in truncations)
            if (seqNr < t.BeforeSeqNr && baseOffset >= t.Offset) return true;
        return false;
    }

    /// <summary>
    /// The new log start offset that retention allows at index-span granularity: whole spans,
    /// oldest first, each wholly below the high watermark and either older than
    /// <paramref name="retentionMs"/> (by its newest timestamp) or not needed to keep
    /// <paramref name="retentionBytes"/>. -1 disables a limit. Stops at the first span it must keep.
    /// </summary>
    public long RetentionTarget(long nowMs, long retentionMs, long retentionBytes)
    {
        var entries = Index.Entries;
        var retained = Index.RetainedBytes;
        var target = LogStartOffset;
        for (var i = 0; i < entries.Count; i++)
        {
            var next = i + 1 < entries.Count ? entries[i + 1].BaseOffset : LogEndOffset;
            if (next > HighWatermark) break;
            var bytes = Index.SpanBytes(i);
            var expired = retentionMs >= 0 && entries[i].MaxTimestamp < nowMs - retentionMs;
            var oversized = retentionBytes >= 0 && retained - bytes >= retentionBytes;
            if (!expired && !oversized) break;
            retained -= bytes;
            target = next;
        }
        return target;
    }

    /// <summary>
    /// Could retention delete the first batches of the oldest span, although not all of it?
    /// Then its batches are read back to find the exact cut (<see cref="RetentionCut"/>).
    /// </summary>
    public bool MayRetainPartOfFirstSpan(long nowMs, long retentionMs, long retentionBytes)
    {
        if (Index.Count == 0 || Index.Entries[0].BaseOffset >= HighWatermark) return false;
        return retentionBytes >= 0 && Index.RetainedBytes > retentionBytes ||
               retentionMs >= 0 && Index.Entries[0].FirstBatchMaxTimestamp < nowMs - retentionMs;
    }

    /// <summary>
    /// The batch-exact cut inside the oldest span, from its batches (journal sequence
    /// numbers and bytes, in order): the log start event to issue, or null when every batch
    /// must stay.
    /// </summary>
    public LogStartOffsetAdvanced? RetentionCut(IReadOnlyList<(long SeqNr, byte[] Bytes)> spanBatches, long nowMs, long retentionMs, long retentionBytes)
    {
        var retained = Index.RetainedBytes;
        long deleted = 0;
        for (var i = 0; i < spanBatches.Count; i++)
        {
            var batch = new RecordBatch(spanBatches[i].Bytes);
            if (batch.NextOffset <= LogStartOffset) continue;
            var expired = retentionMs >= 0 && batch.MaxTimestamp < nowMs - retentionMs;
            var oversized = retentionBytes >= 0 && retained - deleted - spanBatches[i].Bytes.Length >= retentionBytes;
            if (batch.NextOffset > HighWatermark || (!expired && !oversized) || i + 1 == spanBatches.Count)
            {
                return deleted == 0 ? null : new LogStartOffsetAdvanced(batch.BaseOffset, spanBatches[i].SeqNr, deleted);
            }
            deleted += spanBatches[i].Bytes.Length;
        }
        return null;
    }

    public PartitionSnapshot ToSnapshot() => new(
        LogStartOffset, LogEndOffset, HighWatermark, Index.NextPosition, BatchesAppended, BytesAppended,
        Index.Entries.ToArray(), Epochs.Entries.ToArray(), _truncations.ToArray(),
        Producers.Producers.Values.Select(ProducerSnapshot.From).ToArray(),
        Producers.AbortedTransactions.ToArray());

    public void Restore(PartitionSnapshot snapshot, long seqNr)
    {
        LogStartOffset = snapshot.LogStartOffset;
        LogEndOffset = snapshot.LogEndOffset;
        HighWatermark = snapshot.HighWatermark;
        BatchesAppended = snapshot.BatchesAppended;
        BytesAppended = snapshot.BytesAppended;
        Index.Restore(snapshot.Index, snapshot.NextPosition);
        Epochs.Restore(snapshot.Epochs);
        _truncations.Clear();
        _truncations.AddRange(snapshot.Truncations);
        Producers.Restore(snapshot.Producers.Select(p => p.ToEntry()), snapshot.Aborted);
        Tail.Clear();
        LastSeqNr = seqNr;
    }
}
