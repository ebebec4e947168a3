using Cluster.Domain.Groups;
using Cluster.Domain.Hosting;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Cluster.Domain.Tests.MultiNode;
using Cluster.Domain.Transactions;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.Domain.Tests.Transactions;

/// <summary>
/// Transactions on three in-process brokers through failures: the coordinator's node dies
/// between its decision and the markers (its successor finishes the job, unasked), a partition
/// leader dies in the middle of a transaction (the commit is still all or nothing).
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class TransactionFailoverSpec(ITestOutputHelper output)
{
    private const string Topic = "tx-out";

    /// <summary>The coordinator holds its markers back long enough for a kill (test hook), and nodes look for unfinished work every second.</summary>
    private const string Hocon = "cluster-log.transactions.test-pause-before-commit-markers = 60 s\n" + NoPause;

    /// <summary>The same without the test hook.</summary>
    private const string NoPause = TestCluster.TransactionTimings;

    private static byte[] Transactional(long producerId, short epoch, int sequence, params string[] values) =>
        TestCluster.TransactionalBatch(producerId, epoch, sequence, values);

    /// <summary>
    /// What the HTTP produce path does: join the transaction (with a lease), append (the leader
    /// verifies the transaction with the coordinator), give the lease back; and what a client does with a 5xx: the same request again (same sequence).
    /// </summary>
    private static async Task ProduceAsync(BrokerNode node, string transactionalId, InitProducerIdResult producer, int partition, int sequence,
        params string[] values)
    {
        var transactions = TransactionCoordination.For(node.System);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var lease = Guid.NewGuid();
            var added = await transactions.AddPartitionsAsync(transactionalId, producer.ProducerId, producer.ProducerEpoch,
                new[] { new TopicPartition(Topic, partition) }, lease);
            Assert.True(added.Error == ErrorCode.None, added.Message);
            var result = await node.Gateway.ProduceAsync(Topic, partition,
                Transactional(producer.ProducerId, producer.ProducerEpoch, sequence, values), Acks.All, transactionalId: transactionalId);
            transactions.ReleaseLease(transactionalId, lease);
            if (result.Error == ErrorCode.None) return;
            Assert.True(result.Error is ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.LeaderNotAvailable
                or ErrorCode.RequestTimedOut && DateTime.UtcNow < deadline, $"{result.Error.KafkaName()}: {result.Message}");
            await Task.Delay(250);
        }
    }

    private static async Task<List<string>> ReadCommittedAsync(BrokerNode node, int partition)
    {
        var fetch = await node.Gateway.FetchAsync(Topic, partition, 0, 1 << 20, IsolationLevel.ReadCommitted, 0);
        Assert.Equal(ErrorCode.None, fetch.Error);
        // What a read_committed consumer returns: below the last stable offset, no aborted transaction, no markers.
        var aborted = fetch.AbortedTransactions;
        return fetch.Batches.Select(b => new RecordBatch(b))
            .Where(b => !b.IsControl && !aborted.Any(a => a.ProducerId == b.ProducerId && b.BaseOffset >= a.FirstOffset && b.BaseOffset <= a.LastOffset))
            .SelectMany(b => b.Records)
            .Where(r => r.Offset < fetch.LastStableOffset)
            .Select(r => System.Text.Encoding.UTF8.GetString(r.Value!.Value.Span))
            .ToList();
    }

    /// <summary>A transactional id whose coordinator runs on a broker that <paramref name="wanted"/> accepts.</summary>
    private static async Task<(string Id, int Broker)> IdCoordinatedByAsync(BrokerNode client, Func<int, bool> wanted)
    {
        var transactions = TransactionCoordination.For(client.System);
        for (var i = 0; i < 50; i++)
        {
            var id = $"tx-{i}";
            var description = await transactions.DescribeAsync(id);
            Assert.Equal(ErrorCode.None, description.Error);
            if (wanted(description.CoordinatorBrokerId)) return (id, description.CoordinatorBrokerId);
        }
        throw new InvalidOperationException("No transactional id landed where wanted");
    }

    [Fact]
    public async Task A_commit_whose_coordinator_dies_between_prepare_and_markers_is_completed_after_failover()
    {
        await using var cluster = await TestCluster.StartAsync(3, Hocon);
        await cluster.CreateTopicAsync(Topic, 2, 3, new() { ["min.insync.replicas"] = "2" });
        // Broker 1 is the oldest node (controller and sharding coordinators): kill another one.
        var (id, coordinatorBroker) = await IdCoordinatedByAsync(cluster.Node(1), b => b != 1);
        var client = cluster.Node(1);
        var transactions = TransactionCoordination.For(client.System);
        output.WriteLine($"'{id}' is coordinated on broker {coordinatorBroker}");

        var producer = await transactions.InitProducerIdAsync(id, 60_000);
        Assert.Equal(ErrorCode.None, producer.Error);
        await ProduceAsync(client, id, producer, 0, 0, "a0", "a1");
        await ProduceAsync(client, id, producer, 1, 0, "b0");
        await ProduceAsync(client, id, producer, 0, 2, "a2");
        Assert.Empty(await ReadCommittedAsync(client, 0));

        var requestId = Guid.NewGuid();
        var commit = transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, commit: true, requestId);
        await cluster.WaitUntilAsync(() => transactions.DescribeAsync(id).Result.Metadata?.State == TransactionState.PrepareCommit,
            TimeSpan.FromSeconds(20), "the commit decision written");
        Assert.Empty(await ReadCommittedAsync(client, 0));

        var killed = DateTime.UtcNow;
        await cluster.KillAsync(coordinatorBroker);

        // Nobody asks again: the recovery of the node leading the id's state partition wakes a new coordinator.
        await cluster.WaitUntilAsync(() => ReadCommittedAsync(client, 0).Result.Count == 3 && ReadCommittedAsync(client, 1).Result.Count == 1,
            TimeSpan.FromSeconds(60), "the commit completed after the coordinator's node died");
        output.WriteLine($"committed {(DateTime.UtcNow - killed).TotalSeconds:0.0} s after the kill");
        Assert.Equal(new[] { "a0", "a1", "a2" }, await ReadCommittedAsync(client, 0));
        Assert.Equal(new[] { "b0" }, await ReadCommittedAsync(client, 1));
        await cluster.WaitUntilAsync(() => transactions.DescribeAsync(id).Result.Metadata?.State == TransactionState.CompleteCommit,
            TimeSpan.FromSeconds(20), "CompleteCommit written");

        // The client's own request, and a retry of it, are answered by the outcome.
        var first = await commit;
        output.WriteLine($"the original commit request: {first.Error.KafkaName()} {first.Message}");
        Assert.Equal(ErrorCode.None, (await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, true, requestId)).Error);
        Assert.Equal(ErrorCode.None, (await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, true, Guid.NewGuid())).Error);

        // The producer goes on: the next produce begins transaction #2, which aborts cleanly.
        await ProduceAsync(client, id, producer, 0, 3, "aborted");
        Assert.Equal(ErrorCode.None, (await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, false, Guid.NewGuid())).Error);
        Assert.Equal(new[] { "a0", "a1", "a2" }, await ReadCommittedAsync(client, 0));
    }

    [Fact]
    public async Task A_partition_leader_killed_mid_transaction_does_not_tear_the_commit()
    {
        await using var cluster = await TestCluster.StartAsync(3, NoPause);
        await cluster.CreateTopicAsync(Topic, 2, 3, new() { ["min.insync.replicas"] = "2" });
        // A partition led by broker 2 or 3 (broker 1 is the client and the controller).
        await cluster.WaitUntilAsync(() => cluster.Metadata.Topic(Topic)!.Partitions.Any(p => p.Leader != 1), TimeSpan.FromSeconds(20),
            "a partition led by another broker");
        var victimPartition = cluster.Metadata.Topic(Topic)!.Partitions.First(p => p.Leader != 1);
        var victim = victimPartition.Leader;
        var client = cluster.Node(1);
        var transactions = TransactionCoordination.For(client.System);
        var (id, _) = await IdCoordinatedByAsync(client, b => b != victim);

        var producer = await transactions.InitProducerIdAsync(id, 60_000);
        Assert.Equal(ErrorCode.None, producer.Error);
        await ProduceAsync(client, id, producer, 0, 0, "p0-a", "p0-b");
        await ProduceAsync(client, id, producer, 1, 0, "p1-a", "p1-b");

        await cluster.KillAsync(victim);
        output.WriteLine($"killed broker {victim}, leader of {Topic}-{victimPartition.Partition}");
        // More of the same transaction after the failover, then the commit.
        await ProduceAsync(client, id, producer, victimPartition.Partition, 2, "after-kill");
        var commit = await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, true, Guid.NewGuid());
        Assert.True(commit.Error == ErrorCode.None, commit.Message);

        var expected0 = victimPartition.Partition == 0 ? new[] { "p0-a", "p0-b", "after-kill" } : new[] { "p0-a", "p0-b" };
        var expected1 = victimPartition.Partition == 1 ? new[] { "p1-a", "p1-b", "after-kill" } : new[] { "p1-a", "p1-b" };
        Assert.Equal(expected0, await ReadCommittedAsync(client, 0));
        Assert.Equal(expected1, await ReadCommittedAsync(client, 1));

        // A second transaction over both partitions, aborted while the broker is still down: nothing of it shows.
        await ProduceAsync(client, id, producer, 0, expected0.Length, "x0");
        await ProduceAsync(client, id, producer, 1, expected1.Length, "x1");
        Assert.Equal(ErrorCode.None, (await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, false, Guid.NewGuid())).Error);

        // The dead broker comes back and catches up: its copy agrees, markers included.
        cluster.Start(victim);
        await cluster.WaitUntilAsync(() => cluster.Partition(Topic, victimPartition.Partition).Isr.Length == 3, TimeSpan.FromSeconds(60),
            "the restarted broker back in the ISR");
        Assert.Equal(expected0, await ReadCommittedAsync(client, 0));
        Assert.Equal(expected1, await ReadCommittedAsync(client, 1));
        var leaderLog = await cluster.ReplicaLogAsync(cluster.Partition(Topic, victimPartition.Partition).Leader, Topic, victimPartition.Partition);
        await cluster.WaitUntilAsync(() => cluster.ReplicaLogAsync(victim, Topic, victimPartition.Partition).Result.Count == leaderLog.Count,
            TimeSpan.FromSeconds(30), "the restarted replica caught up");
        Assert.Equal(leaderLog, await cluster.ReplicaLogAsync(victim, Topic, victimPartition.Partition));
    }

    [Fact]
    public async Task Pending_offsets_survive_the_loss_of_the_groups_coordinator_and_count_only_once_committed()
    {
        await using var cluster = await TestCluster.StartAsync(3, NoPause);
        await cluster.CreateTopicAsync(Topic, 2, 3, new() { ["min.insync.replicas"] = "2" });
        var client = cluster.Node(1);
        var groups = GroupCoordination.For(client.System);
        // A group coordinated away from broker 1 (the client, the controller), and a transactional id coordinated elsewhere still.
        string group = "";
        var groupBroker = -1;
        for (var i = 0; i < 50 && groupBroker is -1 or 1; i++)
        {
            group = $"g-{i}";
            groupBroker = (await groups.DescribeAsync(new DescribeGroup(group))).CoordinatorBrokerId;
        }
        Assert.NotEqual(1, groupBroker);
        var (id, _) = await IdCoordinatedByAsync(client, b => b != groupBroker);
        var transactions = TransactionCoordination.For(client.System);
        var producer = await transactions.InitProducerIdAsync(id, 60_000);

        async Task<long?> CommittedAsync(int partition)
        {
            var fetched = await groups.FetchOffsetsAsync(new FetchOffsets(group, Topic));
            Assert.True(fetched.Error == ErrorCode.None, fetched.Message);
            return fetched.Offsets.SingleOrDefault(o => o.Partition.Partition == partition)?.Offset.Offset;
        }

        async Task SendOffsetsAsync(long offset)
        {
            var added = await transactions.AddOffsetsAsync(id, producer.ProducerId, producer.ProducerEpoch, group, Guid.Empty);
            Assert.True(added.Error == ErrorCode.None, added.Message);
            var sent = await GroupTransactionOffsets.CommitAsync(groups, new TxnCommitOffsets(group, producer.ProducerId, producer.ProducerEpoch,
                added.Transaction.TransactionNumber, null, null, new[] { new OffsetCommit(Topic, 0, offset, null) }));
            Assert.True(sent.Error == ErrorCode.None, sent.Message);
        }

        // Transaction #1 commits offset 10 normally.
        await ProduceAsync(client, id, producer, 0, 0, "r0");
        await SendOffsetsAsync(10);
        Assert.Null(await CommittedAsync(0));
        Assert.Equal(ErrorCode.None, (await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, true, Guid.NewGuid())).Error);
        Assert.Equal(10, await CommittedAsync(0));

        // Transaction #2's offset is pending when the group's coordinator dies.
        await ProduceAsync(client, id, producer, 1, 0, "r1");
        await SendOffsetsAsync(20);
        await cluster.KillAsync(groupBroker);
        output.WriteLine($"killed broker {groupBroker}, coordinator of {group}");
        // Rebuilt elsewhere from __consumer_offsets: still 10, the 20 still pending.
        Assert.Equal(10, await CommittedAsync(0));
        Assert.Equal(ErrorCode.None, (await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, true, Guid.NewGuid())).Error);
        Assert.Equal(20, await CommittedAsync(0));

        // Transaction #3's offset is aborted: dropped.
        await SendOffsetsAsync(30);
        Assert.Equal(ErrorCode.None, (await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, false, Guid.NewGuid())).Error);
        Assert.Equal(20, await CommittedAsync(0));
        Assert.Equal(new[] { "r1" }, await ReadCommittedAsync(client, 1));
    }
}
