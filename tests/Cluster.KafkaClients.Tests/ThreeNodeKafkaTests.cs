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
