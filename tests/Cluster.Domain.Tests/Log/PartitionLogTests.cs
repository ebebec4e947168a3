using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Log;

public sealed class PartitionLogTests
{
    private static byte[] Batch(long baseOffset, int records, long timestamp, int epoch = 0, int valueSize = 10)
    {
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < records; i++) builder.Append(timestamp, null, new byte[valueSize]);
        var bytes = builder.Build();
        RecordBatch.SetBaseOffset(bytes, baseOffset);
        RecordBatch.SetPartitionLeaderEpoch(bytes, epoch);
        return bytes;
    }

    private sealed class Journal
    {
        public readonly PartitionLog Log;
        public readonly List<(long SeqNr, ILogEvent Event)> Events = new();

        public Journal(int indexInterval = 256, long tailBytes = 1 << 20) =>
            Log = new PartitionLog(new LogSettings(indexInterval, tailBytes));

        public void Append(ILogEvent e)
        {
            var seq = Log.LastSeqNr + 1;
            Events.Add((seq, e));
            Log.Apply(e, seq);
        }

        public void AppendBatch(int records, long timestamp, int epoch = 0, int valueSize = 10) =>
            Append(new BatchAppended(Batch(Log.LogEndOffset, records, timestamp, epoch, valueSize)));

        public List<(long, byte[])> BatchesFrom(long seq) =>
            Events.Where(e => e.SeqNr >= seq && e.Event is BatchAppended)
                .Select(e => (e.SeqNr, ((BatchAppended)e.Event).Batch)).ToList();
    }

    [Fact]
    public void Offsets_are_dense_and_the_sparse_index_finds_the_span_of_any_offset()
    {
        var j = new Journal(indexInterval: 200);
        for (var i = 0; i < 50; i++) j.AppendBatch(3, 1000 + i);
        Assert.Equal(150, j.Log.LogEndOffset);
        Assert.InRange(j.Log.Index.Count, 2, 49);
        for (long offset = 0; offset < 150; offset++)
        {
            var entry = j.Log.Index.Entries[j.Log.Index.FloorIndex(offset)];
            Assert.True(entry.BaseOffset <= offset);
            // Reading from the entry's sequence number reaches the offset.
            Assert.Contains(j.BatchesFrom(entry.SeqNr), b => new RecordBatch(b.Item2).BaseOffset <= offset && offset < new RecordBatch(b.Item2).NextOffset);
        }
    }

    [Fact]
    public void The_ceiling_span_is_the_first_that_starts_at_or_above_an_offset()
    {
        var j = new Journal(indexInterval: 1);                   // a span per batch
        for (var i = 0; i < 5; i++) j.AppendBatch(10, 1000 + i); // batches at 0, 10, ..., 40
        Assert.Equal(0, j.Log.Index.CeilingIndex(0));
        Assert.Equal(1, j.Log.Index.CeilingIndex(1));
        Assert.Equal(1, j.Log.Index.CeilingIndex(10));
        Assert.Equal(4, j.Log.Index.CeilingIndex(40));
        Assert.Equal(-1, j.Log.Index.CeilingIndex(41));
    }

    [Fact]
    public void A_batch_that_does_not_continue_the_log_is_refused()
    {
        var j = new Journal();
        j.AppendBatch(2, 1);
        Assert.Throws<InvalidOperationException>(() => j.Log.Apply(new BatchAppended(Batch(5, 1, 1)), 99));
    }

    [Fact]
    public void Truncation_drops_the_suffix_and_marks_older_copies_dead()
    {
        var j = new Journal(indexInterval: 100);
        for (var i = 0; i < 10; i++) j.AppendBatch(2, i, epoch: i < 5 ? 1 : 2);
        j.Log.UpdateHighWatermark(20);
        j.Append(new LogTruncated(12));
        Assert.Equal(12, j.Log.LogEndOffset);
        Assert.Equal(12, j.Log.HighWatermark);
        Assert.Equal(2, j.Log.Epochs.LatestEpoch);
        var truncatedAt = j.Log.LastSeqNr;
        Assert.True(PartitionLog.IsDead(j.Log.Truncations, truncatedAt - 1, 12));
        Assert.False(PartitionLog.IsDead(j.Log.Truncations, truncatedAt - 1, 10));
        Assert.False(PartitionLog.IsDead(j.Log.Truncations, truncatedAt + 1, 12));

        j.AppendBatch(1, 100, epoch: 3);
        Assert.Equal(13, j.Log.LogEndOffset);
        Assert.Equal((2, 12L), j.Log.Epochs.EndOffsetFor(2, j.Log.LogEndOffset));
        Assert.Equal((3, 13L), j.Log.Epochs.EndOffsetFor(3, j.Log.LogEndOffset));
    }

    [Fact]
    public void Truncating_at_the_log_end_forgets_epochs_that_never_wrote()
    {
        var j = new Journal();
        j.AppendBatch(2, 1, epoch: 1);
        j.Append(new LeaderEpochStarted(2, 2));
        Assert.Equal(2, j.Log.Epochs.LatestEpoch);
        j.Append(new LogTruncated(2));
        Assert.Equal(2, j.Log.LogEndOffset);
        Assert.Equal(1, j.Log.Epochs.LatestEpoch);
        Assert.Empty(j.Log.Truncations);
    }

    [Fact]
    public void Retention_by_size_deletes_whole_spans_then_exact_batches_and_never_the_newest_bytes()
    {
        var j = new Journal(indexInterval: 1000);
        for (var i = 0; i < 40; i++) j.AppendBatch(1, i, valueSize: 100);
        j.Log.UpdateHighWatermark(j.Log.LogEndOffset);
        var batchBytes = j.Log.SizeInBytes / 40;

        var target = j.Log.RetentionTarget(nowMs: 1000, retentionMs: -1, retentionBytes: 13 * batchBytes);
        Assert.True(target > 0);
        j.Append(new LogStartOffsetAdvanced(target));
        Assert.True(j.Log.SizeInBytes >= 13 * batchBytes);

        Assert.True(j.Log.MayRetainPartOfFirstSpan(1000, -1, 13 * batchBytes));
        var first = j.Log.Index.Entries[0];
        var cut = j.Log.RetentionCut(j.BatchesFrom(first.SeqNr), 1000, -1, 13 * batchBytes);
        Assert.NotNull(cut);
        j.Append(cut!);
        Assert.Equal(27, j.Log.LogStartOffset);
        Assert.Equal(13 * batchBytes, j.Log.SizeInBytes);
        Assert.False(j.Log.MayRetainPartOfFirstSpan(1000, -1, 13 * batchBytes));
        // The index still finds every retained offset, and reads start at the first kept batch.
        var kept = j.BatchesFrom(j.Log.Index.Entries[0].SeqNr);
        Assert.Equal(27, new RecordBatch(kept[0].Item2).BaseOffset);
    }

    [Fact]
    public void Retention_by_time_deletes_only_batches_older_than_the_limit_and_below_the_high_watermark()
    {
        var j = new Journal(indexInterval: 300);
        for (var i = 0; i < 20; i++) j.AppendBatch(1, timestamp: i * 100);
        j.Log.UpdateHighWatermark(15);

        // now=2000, retention 1050 ms: batches with timestamp < 950 expire (offsets 0..9).
        var target = j.Log.RetentionTarget(2000, 1050, -1);
        Assert.InRange(target, 1, 10);
        j.Append(new LogStartOffsetAdvanced(target));
        while (j.Log.MayRetainPartOfFirstSpan(2000, 1050, -1) &&
               j.Log.RetentionCut(j.BatchesFrom(j.Log.Index.Entries[0].SeqNr), 2000, 1050, -1) is { } cut)
            j.Append(cut);
        Assert.Equal(10, j.Log.LogStartOffset);

        // Everything old, but the high watermark bounds what may go.
        var all = j.Log.RetentionTarget(1_000_000, 0, -1);
        Assert.True(all <= 15);
    }

    [Fact]
    public void A_snapshot_restores_the_same_state()
    {
        var j = new Journal(indexInterval: 120);
        for (var i = 0; i < 30; i++) j.AppendBatch(2, i, epoch: i / 10);
        j.Log.UpdateHighWatermark(50);
        j.Append(new LogTruncated(55));
        j.Append(new LogStartOffsetAdvanced(8));

        var restored = new PartitionLog(j.Log.Settings);
        restored.Restore(j.Log.ToSnapshot(), j.Log.LastSeqNr);
        Assert.Equal(j.Log.LogStartOffset, restored.LogStartOffset);
        Assert.Equal(j.Log.LogEndOffset, restored.LogEndOffset);
        Assert.Equal(j.Log.HighWatermark, restored.HighWatermark);
        Assert.Equal(j.Log.Index.Entries, restored.Index.Entries);
        Assert.Equal(j.Log.Epochs.Entries, restored.Epochs.Entries);
        Assert.Equal(j.Log.Truncations, restored.Truncations);
        Assert.Equal(j.Log.SizeInBytes, restored.SizeInBytes);
    }

    [Fact]
    public void Leader_epoch_cache_answers_where_an_epoch_ends()
    {
        var cache = new LeaderEpochCache();
        cache.Assign(1, 0);
        cache.Assign(3, 10);
        cache.Assign(4, 25);
        Assert.Equal((1, 10L), cache.EndOffsetFor(1, 40));
        Assert.Equal((1, 10L), cache.EndOffsetFor(2, 40));
        Assert.Equal((4, 40L), cache.EndOffsetFor(7, 40));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(0, 40));
        cache.TruncateFromStart(12);
        Assert.Equal(new[] { new EpochEntry(3, 12), new EpochEntry(4, 25) }, cache.Entries);
        cache.TruncateFromEnd(25);
        Assert.Equal(3, cache.LatestEpoch);
    }
}
