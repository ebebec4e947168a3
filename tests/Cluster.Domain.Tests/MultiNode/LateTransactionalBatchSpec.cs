using Cluster.Domain.Hosting;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Cluster.Domain.Transactions;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.Domain.Tests.MultiNode;

/// <summary>
/// KIP-890 part 1 on three brokers: a transactional batch whose produce was given up on (its
/// lease returned) reaches its partition only after the commit. The partition's leader asks the
/// coordinator, on another broker, before the batch may open a transaction there: it is refused,
/// nothing is written, and the last stable offset does not stop. With the coordinator's broker
/// dead, the question gets no answer: the batch is refused with a retriable error, in bounded
/// time, and never let through.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class LateTransactionalBatchSpec(ITestOutputHelper output)
{
    private const string Topic = "late-out";

    private static byte[] Transactional(InitProducerIdResult producer, int sequence, params string[] values) =>
        TestCluster.TransactionalBatch(producer.ProducerId, producer.ProducerEpoch, sequence, values);

    /// <summary>What a front door does for a transactional produce: join with a lease, append with the transactional id, give the lease back.</summary>
    private static async Task<ProduceResult> ProduceAsync(BrokerNode node, string transactionalId, InitProducerIdResult producer, int partition,
        byte[] batch)
    {
        var transactions = TransactionCoordination.For(node.System);
        var lease = Guid.NewGuid();
        var added = await transactions.AddPartitionsAsync(transactionalId, producer.ProducerId, producer.ProducerEpoch,
            new[] { new TopicPartition(Topic, partition) }, lease);
        Assert.True(added.Error == ErrorCode.None, added.Message);
        try
        {
            return await node.Gateway.ProduceAsync(Topic, partition, batch, Acks.All, transactionalId: transactionalId);
        }
        finally
        {
            transactions.ReleaseLease(transactionalId, lease);
        }
    }

    /// <summary>
    /// A transaction that joined <paramref name="late"/> (AddPartitionsToTxn, with a lease) but whose batch for it never
    /// came (the produce failed with an unknown outcome and was not retried, the lease went back), then committed.
    /// </summary>
    private static async Task CommitWithoutTheLateBatchAsync(BrokerNode client, string id, InitProducerIdResult producer, int other, int late)
    {
        Assert.Equal(ErrorCode.None, (await ProduceAsync(client, id, producer, other, Transactional(producer, 0, "committed"))).Error);
        var transactions = TransactionCoordination.For(client.System);
        var lease = Guid.NewGuid();
        Assert.Equal(ErrorCode.None, (await transactions.AddPartitionsAsync(id, producer.ProducerId, producer.ProducerEpoch,
            new[] { new TopicPartition(Topic, late) }, lease)).Error);
        transactions.ReleaseLease(id, lease);
        var commit = await transactions.EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, commit: true, Guid.NewGuid());
        Assert.True(commit.Error == ErrorCode.None, commit.Message);
    }

    private static async Task AssertStableAsync(BrokerNode node, int partition, long highWatermark)
    {
        var status = await node.Gateway.DescribePartitionAsync(Topic, partition);
        Assert.Equal(ErrorCode.None, status.Error);
        Assert.Equal(highWatermark, status.HighWatermark);
        Assert.Equal(status.HighWatermark, status.LastStableOffset);
    }

    /// <summary>A transactional id coordinated on a broker other than 1 (the client), and a partition led by neither.</summary>
    private static async Task<(string Id, int CoordinatorBroker, int LatePartition, int OtherPartition)> ArrangeAsync(TestCluster cluster)
    {
        await cluster.CreateTopicAsync(Topic, 3, 3, new() { ["min.insync.replicas"] = "2" });
        var transactions = TransactionCoordination.For(cluster.Node(1).System);
        for (var i = 0; i < 50; i++)
        {
            var id = $"late-{i}";
            var coordinator = (await transactions.DescribeAsync(id)).CoordinatorBrokerId;
            if (coordinator == 1) continue;
            var partitions = cluster.Metadata.Topic(Topic)!.Partitions;
            var late = partitions.FirstOrDefault(p => p.Leader != coordinator && p.Leader != 1);
            if (late is null) continue;
            return (id, coordinator, late.Partition, partitions.First(p => p.Partition != late.Partition).Partition);
        }
        throw new InvalidOperationException("No transactional id and partition were arranged");
    }

    [Fact]
    public async Task A_batch_that_comes_after_its_transaction_committed_is_refused_and_the_last_stable_offset_moves_on()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.TransactionTimings);
        var (id, coordinatorBroker, late, other) = await ArrangeAsync(cluster);
        var client = cluster.Node(1);
        output.WriteLine($"'{id}' is coordinated on broker {coordinatorBroker}; {Topic}-{late} is led by broker {cluster.Partition(Topic, late).Leader}");
        var producer = await TransactionCoordination.For(client.System).InitProducerIdAsync(id, 60_000);
        Assert.Equal(ErrorCode.None, producer.Error);

        await CommitWithoutTheLateBatchAsync(client, id, producer, other, late);
        await AssertStableAsync(client, late, 0); // its marker found nothing open there and wrote nothing

        // The batch arrives now: it would open a transaction no coordinator ends.
        var refused = await client.Gateway.ProduceAsync(Topic, late, Transactional(producer, 0, "late"), Acks.All, transactionalId: id);
        Assert.True(refused.Error == ErrorCode.InvalidTxnState, $"{refused.Error.KafkaName()}: {refused.Message}");
        output.WriteLine($"refused: {refused.Message}");
        await AssertStableAsync(client, late, 0);

        // The partition goes on: plain records are readable at once, and the producer's next transaction verifies and commits.
        Assert.Equal(ErrorCode.None, (await client.Gateway.ProduceAsync(Topic, late, TestCluster.Batch("plain"), Acks.All)).Error);
        await AssertStableAsync(client, late, 1);
        Assert.Equal(ErrorCode.None, (await ProduceAsync(client, id, producer, late, Transactional(producer, 0, "next"))).Error);
        var status = await client.Gateway.DescribePartitionAsync(Topic, late);
        Assert.Equal((2L, 1L), (status.HighWatermark, status.LastStableOffset)); // open until its marker
        Assert.Equal(ErrorCode.None,
            (await TransactionCoordination.For(client.System).EndTransactionAsync(id, producer.ProducerId, producer.ProducerEpoch, true, Guid.NewGuid())).Error);
        await AssertStableAsync(client, late, 3);
        var committed = await client.Gateway.FetchAsync(Topic, late, 0, 1 << 20, IsolationLevel.ReadCommitted, 0);
        var records = committed.Batches.Select(b => new RecordBatch(b)).Where(b => !b.IsControl).SelectMany(b => b.Records);
        Assert.Equal(new[] { "plain", "next" }, records.Select(r => System.Text.Encoding.UTF8.GetString(r.Value!.Value.Span)));
    }

    [Fact]
    public async Task Without_an_answer_from_the_coordinator_a_late_batch_is_refused_retriably_and_never_let_through()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.TransactionTimings);
        var (id, coordinatorBroker, late, other) = await ArrangeAsync(cluster);
        var client = cluster.Node(1);
        var producer = await TransactionCoordination.For(client.System).InitProducerIdAsync(id, 60_000);
        Assert.Equal(ErrorCode.None, producer.Error);
        await CommitWithoutTheLateBatchAsync(client, id, producer, other, late);

        await cluster.KillAsync(coordinatorBroker);
        output.WriteLine($"killed broker {coordinatorBroker}, the coordinator's");

        // Until the coordinator runs again elsewhere, nobody can say: refused as retriable. Then it says no.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var answers = new List<ErrorCode>();
        while (true)
        {
            var started = DateTime.UtcNow;
            var result = await client.Gateway.ProduceAsync(Topic, late, Transactional(producer, 0, "late"), Acks.All, transactionalId: id);
            output.WriteLine($"{result.Error.KafkaName()} after {(DateTime.UtcNow - started).TotalSeconds:0.0} s: {result.Message}");
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(12), "the produce must not hang");
            Assert.True(result.Error is ErrorCode.NotEnoughReplicas or ErrorCode.InvalidTxnState or ErrorCode.LeaderNotAvailable
                or ErrorCode.RequestTimedOut, $"{result.Error.KafkaName()}: {result.Message}");
            answers.Add(result.Error);
            if (result.Error == ErrorCode.InvalidTxnState) break;
            Assert.True(DateTime.UtcNow < deadline, "the coordinator never answered after failover");
            await Task.Delay(250);
        }
        // Usually the first answer is NOT_ENOUGH_REPLICAS (the question outlives the coordinator's
        // move); a fast move can answer the first one already. Either way nothing got through.
        output.WriteLine($"answers: {string.Join(", ", answers.Select(a => a.KafkaName()))}");
        await AssertStableAsync(client, late, 0);
    }
}
