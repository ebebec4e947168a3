using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Xunit;

namespace Cluster.Domain.Tests.MultiNode;

/// <summary>The partition's side of transactions: open transactions hold the last stable offset; markers end them.</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class TransactionalLogSpec
{
    private static byte[] Transactional(long producerId, short epoch, int sequence, params string[] values) =>
        TestCluster.TransactionalBatch(producerId, epoch, sequence, values);

    private static byte[] Marker(long producerId, short epoch, bool commit) =>
        RecordBatchBuilder.BuildControlBatch(producerId, epoch, commit, 0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    [Fact]
    public async Task Open_transactions_hold_the_last_stable_offset_and_markers_commit_or_abort_them()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        await cluster.CreateTopicAsync("tx", 1, 1);
        var gateway = cluster.Node(1).Gateway;

        Assert.Equal(0, (await gateway.ProduceAsync("tx", 0, TestCluster.Batch("plain-0"), Acks.All)).BaseOffset);
        Assert.Equal(1, (await gateway.ProduceAsync("tx", 0, Transactional(500, 0, 0, "t1-a", "t1-b"), Acks.All)).BaseOffset);
        Assert.Equal(3, (await gateway.ProduceAsync("tx", 0, TestCluster.Batch("plain-3"), Acks.All)).BaseOffset);

        var committedView = await gateway.FetchAsync("tx", 0, 0, 1 << 20, IsolationLevel.ReadCommitted, 0);
        Assert.Equal(1, committedView.LastStableOffset);
        Assert.Equal(4, committedView.HighWatermark);
        Assert.Equal(new[] { "plain-0" }, TestCluster.Values(committedView));

        // A retried data batch is a duplicate, not a second copy.
        var retry = await gateway.ProduceAsync("tx", 0, Transactional(500, 0, 0, "t1-a", "t1-b"), Acks.All);
        Assert.Equal(1, retry.BaseOffset);

        var commit = await gateway.ProduceAsync("tx", 0, Marker(500, 0, commit: true), Acks.All);
        Assert.Equal(ErrorCode.None, commit.Error);
        Assert.Equal(4, commit.BaseOffset);
        var afterCommit = await gateway.FetchAsync("tx", 0, 0, 1 << 20, IsolationLevel.ReadCommitted, 0);
        Assert.Equal(5, afterCommit.LastStableOffset);
        Assert.Empty(afterCommit.AbortedTransactions);

        // A second transaction of another producer, aborted.
        Assert.Equal(5, (await gateway.ProduceAsync("tx", 0, Transactional(501, 0, 0, "t2-a"), Acks.All)).BaseOffset);
        Assert.Equal(6, (await gateway.ProduceAsync("tx", 0, Marker(501, 0, commit: false), Acks.All)).BaseOffset);
        var afterAbort = await gateway.FetchAsync("tx", 0, 0, 1 << 20, IsolationLevel.ReadCommitted, 0);
        Assert.Equal(7, afterAbort.LastStableOffset);
        Assert.Equal(new AbortedTxn(501, 5, 6), Assert.Single(afterAbort.AbortedTransactions));

        // A marker from a fenced (older) epoch changes nothing; one with no open transaction appends nothing.
        Assert.Equal(0, (await gateway.ProduceAsync("tx", 0, Transactional(500, 1, 0, "t3-a"), Acks.All)).BaseOffset - 7);
        Assert.Equal(ErrorCode.ProducerFenced, (await gateway.ProduceAsync("tx", 0, Marker(500, 0, commit: true), Acks.All)).Error);
        Assert.Equal(ErrorCode.ProducerFenced, (await gateway.ProduceAsync("tx", 0, Transactional(500, 0, 1, "late"), Acks.All)).Error);
        Assert.Equal(-1, (await gateway.ProduceAsync("tx", 0, Marker(501, 0, commit: true), Acks.All)).BaseOffset);

        // The state survives a restart (it is rebuilt from the log and snapshots).
        await cluster.KillAsync(1);
        cluster.Start(1);
        var restarted = cluster.Node(1).Gateway;
        FetchResult again = null!;
        await cluster.WaitUntilAsync(() => (again = restarted.FetchAsync("tx", 0, 0, 1 << 20, IsolationLevel.ReadCommitted, 0).Result).Error == ErrorCode.None,
            TimeSpan.FromSeconds(30), "restart");
        Assert.Equal(7, again.LastStableOffset);
        Assert.Equal(8, again.HighWatermark);
        Assert.Equal(new AbortedTxn(501, 5, 6), Assert.Single(again.AbortedTransactions));
    }
}
