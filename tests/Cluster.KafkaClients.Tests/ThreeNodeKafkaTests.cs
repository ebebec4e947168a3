using System.Collections.Concurrent;
using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.KafkaClients.Tests.Infrastructure;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Cluster.KafkaClients.Tests;

/// <summary>
/// Three node processes, each with its Kafka listener; Confluent.Kafka bootstraps from all
/// of them and follows the leaders Metadata names, as it would with Kafka.
/// </summary>
public sealed class ThreeNodeKafkaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_idempotent_acks_all_producer_and_a_committing_group_member_lose_nothing_while_the_leader_is_killed()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, KafkaNodes.WithKafka, name: "kafka-kill", timeout: KafkaNodes.StartTimeout);
        var topic = Topics.Unique("kkill");
        await KafkaNodes.CreateTopicAsync(cluster.Bootstrap(), topic, 2, 3, new() { ["min.insync.replicas"] = "2" });

        int leader;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.Bootstrap() }).Build())
        {
            var partition = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Single(p => p.PartitionId == 0);
            leader = partition.Leader;
            Assert.Equal(3, partition.Replicas.Length);
            Assert.Equal(3, partition.InSyncReplicas.Length);
        }

        const int total = 3000;
        // A group member reads along and commits while the leader dies (its coordinator may die too).
        var group = "g-" + topic;
        var consumed = new ConcurrentDictionary<int, int>();
        using var consuming = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var consumer = Task.Run(() => ConsumeInGroup(cluster.Bootstrap(), topic, group, total, consumed, consuming.Token));

        var acknowledged = new ConcurrentDictionary<int, (int Partition, long Offset)>();
        var failures = new ConcurrentBag<string>();
        var started = DateTime.UtcNow;
        DateTime? killedAt = null;
        using (var producer = new ProducerBuilder<string, string>(KafkaNodes.Producer(cluster.Bootstrap())).Build())
        {
            for (var i = 0; i < total; i++)
            {
                var n = i;
                producer.Produce(new TopicPartition(topic, n % 2), new Message<string, string> { Key = $"k{n}", Value = n.ToString() }, report =>
                {
                    if (report.Error.IsError) failures.Add($"{n}: {report.Error.Code} {report.Error.Reason}");
                    else if (!acknowledged.TryAdd(n, (report.Partition.Value, report.Offset.Value))) failures.Add($"{n}: acknowledged twice");
                });
                if (n == total / 3)
                {
                    // Records are in flight to the leader when it dies.
                    cluster.Broker(leader).Kill();
                    killedAt = DateTime.UtcNow;
                }
                if (n % 100 == 99) await Task.Delay(20);
            }
            var left = producer.Flush(TimeSpan.FromSeconds(90));
            Assert.Equal(0, left);
        }
        output.WriteLine($"killed broker {leader} at {(killedAt!.Value - started).TotalSeconds:0.0} s; all {total} acknowledged after {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.Empty(failures);
        Assert.Equal(total, acknowledged.Count);

        // The group member got every record (at least once) and its commits cover them all.
        var committedTotal = await consumer;
        Assert.Equal(total, consumed.Count);
        Assert.Equal(total, committedTotal);
        output.WriteLine($"group member: {consumed.Count} records, {consumed.Values.Sum() - consumed.Count} redelivered, commits cover {committedTotal}");

        // Every acknowledged record is there once, at the offset it was acknowledged with, read through the survivors.
        var bootstrap = cluster.Bootstrap();
        for (var p = 0; p < 2; p++)
        {
            var expected = acknowledged.Where(a => a.Value.Partition == p).OrderBy(a => a.Value.Offset).ToList();
            var read = KafkaNodes.ReadPartition(bootstrap, topic, p, 0, expected[^1].Value.Offset + 1, TimeSpan.FromSeconds(30));
            var values = read.Select(r => int.Parse(r.Message.Value)).ToList();
            Assert.Equal(values.Count, values.Distinct().Count());
            Assert.Equal(expected.Count, read.Count);
            Assert.Equal(expected.Select(e => (e.Key, e.Value.Offset)), read.Select(r => (int.Parse(r.Message.Value), r.Offset.Value)));
            // Dense offsets from 0: nothing lost, nothing duplicated.
            Assert.Equal(Enumerable.Range(0, read.Count).Select(o => (long)o), read.Select(r => r.Offset.Value));
        }
    }

    [Fact]
    public async Task A_transactional_copy_loop_writes_every_record_exactly_once_while_the_leader_is_killed()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, KafkaNodes.WithKafka, name: "kafka-txn-kill", timeout: KafkaNodes.StartTimeout);
        var input = Topics.Unique("ktin");
        var outputTopic = Topics.Unique("ktout");
        var group = "g-" + input;
        var configs = new Dictionary<string, string> { ["min.insync.replicas"] = "2" };
        await KafkaNodes.CreateTopicAsync(cluster.Bootstrap(), input, 2, 3, configs);
        await KafkaNodes.CreateTopicAsync(cluster.Bootstrap(), outputTopic, 2, 3, configs);

        const int total = 1000;
        using (var producer = new ProducerBuilder<string, string>(KafkaNodes.Producer(cluster.Bootstrap())).Build())
        {
            for (var i = 0; i < total; i++) producer.Produce(new TopicPartition(input, i % 2), new Message<string, string> { Key = $"k{i}", Value = i.ToString() });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }
        int leader;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.Bootstrap() }).Build())
            leader = admin.GetMetadata(outputTopic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Single(p => p.PartitionId == 0).Leader;

        var producerConfig = KafkaNodes.Producer(cluster.Bootstrap());
        producerConfig.TransactionalId = "tx-" + input;
        producerConfig.TransactionTimeoutMs = 60_000;
        producerConfig.MessageTimeoutMs = 60_000;
        using var tx = new ProducerBuilder<string, string>(producerConfig).Build();
        tx.InitTransactions(TimeSpan.FromSeconds(60));
        using var consumer = new ConsumerBuilder<string, string>(KafkaNodes.Consumer(cluster.Bootstrap(), group, IsolationLevel.ReadCommitted)).Build();
        consumer.Subscribe(input);

        var committedTransactions = 0;
        var aborts = 0;
        var copied = 0;
        var killed = false;
        var deadline = DateTime.UtcNow.AddSeconds(150);
        while (copied < total && DateTime.UtcNow < deadline)
        {
            var batch = new List<ConsumeResult<string, string>>();
            while (batch.Count < 50)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(300));
                if (r is null) break;
                batch.Add(r);
            }
            if (batch.Count == 0) continue;
            if (!killed && committedTransactions == 5)
            {
                cluster.Broker(leader).Kill(); // in the middle of the loop: the next transaction meets it
                killed = true;
            }
            try
            {
                tx.BeginTransaction();
                foreach (var r in batch)
                    tx.Produce(new TopicPartition(outputTopic, r.Partition.Value), new Message<string, string> { Key = r.Message.Key, Value = r.Message.Value });
                var positions = batch.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)).ToList();
                tx.SendOffsetsToTransaction(positions, consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(60));
                CommitWithRetries(tx);
                committedTransactions++;
                copied += batch.Count;
            }
            catch (KafkaTxnRequiresAbortException e)
            {
                output.WriteLine($"abort: {e.Error.Code} {e.Error.Reason}");
                tx.AbortTransaction(TimeSpan.FromSeconds(60));
                aborts++;
                Rewind(consumer, cluster.Bootstrap(), group);
            }
        }
        output.WriteLine($"killed broker {leader}; {committedTransactions} transactions committed, {aborts} aborted, {copied} records copied");
        Assert.Equal(total, copied);

        // read_committed sees every input record exactly once in the output, in order per partition.
        for (var p = 0; p < 2; p++)
        {
            var values = new List<int>();
            using var reader = new ConsumerBuilder<string, string>(KafkaNodes.Consumer(cluster.Bootstrap(), isolation: IsolationLevel.ReadCommitted)).Build();
            reader.Assign(new TopicPartitionOffset(outputTopic, p, 0));
            var end = DateTime.UtcNow.AddSeconds(30);
            while (values.Count < total / 2 && DateTime.UtcNow < end)
            {
                var r = reader.Consume(TimeSpan.FromMilliseconds(200));
                if (r is not null && !r.IsPartitionEOF) values.Add(int.Parse(r.Message.Value));
            }
            Assert.Equal(Enumerable.Range(0, total / 2).Select(i => i * 2 + p), values);
        }
    }

    private static void CommitWithRetries(IProducer<string, string> tx)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                tx.CommitTransaction(TimeSpan.FromSeconds(60));
                return;
            }
            catch (KafkaRetriableException) when (attempt < 5)
            {
                // Retriable: the same commit is asked again.
            }
        }
    }

    /// <summary>After an abort: back to the group's committed offsets (what the aborted transaction had not committed is read again).</summary>
    private static void Rewind(IConsumer<string, string> consumer, string bootstrap, string group)
    {
        var assigned = consumer.Assignment;
        var committed = consumer.Committed(assigned, TimeSpan.FromSeconds(30));
        foreach (var c in committed)
            consumer.Seek(new TopicPartitionOffset(c.TopicPartition, c.Offset == Offset.Unset ? new Offset(0) : c.Offset));
    }

    /// <summary>Subscribes, reads and commits every 100 records until all <paramref name="total"/> were seen; returns the sum of the committed offsets.</summary>
    private static long ConsumeInGroup(string bootstrap, string topic, string group, int total, ConcurrentDictionary<int, int> seen,
        CancellationToken cancellation)
    {
        using var consumer = new ConsumerBuilder<string, string>(KafkaNodes.Consumer(bootstrap, group)).Build();
        consumer.Subscribe(topic);
        var sinceCommit = 0;
        while (seen.Count < total && !cancellation.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            seen.AddOrUpdate(int.Parse(r.Message.Value), 1, (_, n) => n + 1);
            if (++sinceCommit >= 100 || seen.Count == total)
            {
                CommitWithRetries(consumer, cancellation);
                sinceCommit = 0;
            }
        }
        CommitWithRetries(consumer, cancellation);
        var committed = consumer.Committed([new TopicPartition(topic, 0), new TopicPartition(topic, 1)], TimeSpan.FromSeconds(30));
        consumer.Close();
        return committed.Sum(c => c.Offset.Value);
    }

    private static void CommitWithRetries(IConsumer<string, string> consumer, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                consumer.Commit();
                return;
            }
            catch (KafkaException e) when (attempt < 20 && !cancellation.IsCancellationRequested && e.Error.Code != ErrorCode.Local_NoOffset)
            {
                // The coordinator or the leader of __consumer_offsets may be moving: commit again.
                Thread.Sleep(500);
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_NoOffset)
            {
                return;
            }
        }
    }
}
