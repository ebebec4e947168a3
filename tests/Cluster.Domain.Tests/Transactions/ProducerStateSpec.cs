using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Transactions;
using Xunit;

namespace Cluster.Domain.Tests.Transactions;

/// <summary>
/// The partition's producer state in the cases the transaction coordinator relies on: a retried
/// batch after the commit marker is still a duplicate (so it cannot open a transaction nobody
/// ends), a marker with a bumped epoch (timeout, new producer instance) fences the old epoch,
/// open transactions bound the last stable offset and aborted ones are indexed. Also the
/// node's producer id blocks.
/// </summary>
public sealed class ProducerStateSpec
{
    private readonly ProducerStateManager _state = new();
    private long _nextOffset;

    private RecordBatch Append(long producerId, short epoch, int sequence, int records, bool transactional = true)
    {
        using var builder = new RecordBatchBuilder(producerId: producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: transactional);
        for (var i = 0; i < records; i++) builder.Append(0, null, new byte[] { 1 });
        return Land(builder.Build());
    }

    private RecordBatch Marker(long producerId, short epoch, bool commit) =>
        Land(RecordBatchBuilder.BuildControlBatch(producerId, epoch, commit, 0, 0));

    private RecordBatch Land(byte[] bytes)
    {
        RecordBatch.SetBaseOffset(bytes, _nextOffset);
        var batch = new RecordBatch(bytes);
        _nextOffset = batch.NextOffset;
        _state.Apply(batch);
        return batch;
    }

    private SequenceCheck Check(long producerId, short epoch, int first, int last) =>
        _state.Check(producerId, epoch, first, last, -1, Array.Empty<BatchMetadata>());

    [Fact]
    public void A_batch_retried_after_its_transaction_committed_is_a_duplicate_not_a_new_transaction()
    {
        var original = Append(7, 0, 0, 3);
        Marker(7, 0, commit: true);
        Assert.Equal(long.MaxValue, _state.FirstUnstableOffset());

        var retry = Check(7, 0, 0, 2);
        Assert.True(retry.IsDuplicate);
        Assert.Equal(original.BaseOffset, retry.Duplicate!.Value.FirstOffset);
        // The next sequence goes on across transactions of the same epoch.
        Assert.Equal(ErrorCode.None, Check(7, 0, 3, 3).Error);
        Assert.False(Check(7, 0, 3, 3).IsDuplicate);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, Check(7, 0, 5, 5).Error);
    }

    [Fact]
    public void A_marker_with_a_bumped_epoch_fences_the_producers_old_epoch()
    {
        Append(7, 0, 0, 2);
        Assert.Equal(0, _state.FirstUnstableOffset());
        // The coordinator aborts a timed-out transaction with epoch + 1.
        Marker(7, 1, commit: false);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Check(7, 0, 2, 2).Error);
        Assert.Equal(new AbortedTxn(7, 0, 2), Assert.Single(_state.AbortedTransactions));
        // The producer's next incarnation (epoch 2) starts its sequences again.
        Assert.Equal(ErrorCode.None, Check(7, 2, 0, 0).Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, Check(7, 2, 2, 2).Error);
    }

    [Fact]
    public void Open_transactions_bound_the_last_stable_offset_and_aborted_ones_are_indexed()
    {
        Append(1, 0, 0, 2, transactional: false);
        Append(7, 0, 0, 2);          // offsets 2-3, open
        Append(8, 0, 0, 1);          // offset 4, open
        Assert.Equal(2, _state.FirstUnstableOffset());
        Marker(7, 0, commit: true);  // 5
        Assert.Equal(4, _state.FirstUnstableOffset());
        Marker(8, 0, commit: false); // 6
        Assert.Equal(long.MaxValue, _state.FirstUnstableOffset());
        Assert.Equal(new AbortedTxn(8, 4, 6), Assert.Single(_state.AbortedIn(0, 10)));
        Assert.Empty(_state.AbortedIn(7, 10));

        // A partition that truncates its suffix forgets what it held there.
        _state.TruncateTo(4);
        Assert.Empty(_state.AbortedTransactions);
        Assert.Equal(long.MaxValue, _state.FirstUnstableOffset());
    }

    [Fact]
    public async Task Producer_ids_come_from_the_controller_a_block_at_a_time_and_never_repeat()
    {
        var blocks = 0;
        long next = 100;
        var manager = new ProducerIdManager((count, _) =>
        {
            blocks++;
            var first = next;
            next += count;
            return Task.FromResult((ErrorCode.None, first, count));
        }, blockSize: 3);
        var ids = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => manager.NextAsync()));
        Assert.All(ids, i => Assert.Equal(ErrorCode.None, i.Error));
        Assert.Equal(Enumerable.Range(100, 10).Select(i => (long)i), ids.Select(i => i.ProducerId).Order());
        Assert.Equal(4, blocks);

        var failing = new ProducerIdManager((_, _) => Task.FromResult((ErrorCode.RequestTimedOut, -1L, 0)), blockSize: 3);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, (await failing.NextAsync()).Error);
    }
}
