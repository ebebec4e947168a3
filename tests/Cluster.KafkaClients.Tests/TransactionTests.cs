using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.KafkaClients.Tests.Infrastructure;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Cluster.KafkaClients.Tests;

/// <summary>A Confluent.Kafka transactional consume–transform–produce loop: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn.</summary>
[Collection(SingleKafkaNodeCollection.Name)]
public sealed class TransactionTests(SingleKafkaNodeFixture fixture, ITestOutputHelper output)
{
    private string Bootstrap => fixture.Bootstrap;

    [Fact]
    public async Task Consume_transform_produce_commits_exactly_once_and_aborted_records_stay_invisible_to_read_committed()
    {
        var input = Topics.Unique("kin");
        var outputTopic = Topics.Unique("kout");
        var group = "g-" + input;
        await KafkaNodes.CreateTopicAsync(Bootstrap, input, 1, 1);
        await KafkaNodes.CreateTopicAsync(Bootstrap, outputTopic, 2, 1);
        const int count = 60;
        using (var producer = new ProducerBuilder<string, string>(KafkaNodes.Producer(Bootstrap)).Build())
        {
            for (var i = 0; i < count; i++) producer.Produce(input, new Message<string, string> { Key = $"k{i}", Value = i.ToString() });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var producerConfig = KafkaNodes.Producer(Bootstrap);
        producerConfig.TransactionalId = "tx-" + input;
        using var txProducer = new ProducerBuilder<string, string>(producerConfig).Build();
        txProducer.InitTransactions(TimeSpan.FromSeconds(30));
        var consumerConfig = KafkaNodes.Consumer(Bootstrap, group, IsolationLevel.ReadCommitted);
        using var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build();
        consumer.Subscribe(input);

        var copied = 0;
        var aborted = false;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (copied < count && DateTime.UtcNow < deadline)
        {
            var batch = new List<ConsumeResult<string, string>>();
            while (batch.Count < 10)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(300));
                if (r is null) break;
                batch.Add(r);
            }
            if (batch.Count == 0) continue;

            if (!aborted)
            {
                // One transaction that aborts: its records must never be seen by read_committed readers.
                txProducer.BeginTransaction();
                foreach (var r in batch)
                    txProducer.Produce(outputTopic, new Message<string, string> { Key = r.Message.Key, Value = "ABORTED-" + r.Message.Value });
                txProducer.AbortTransaction(TimeSpan.FromSeconds(30));
                aborted = true;
                // Go back and do this batch again.
                foreach (var tp in batch.GroupBy(r => r.TopicPartition))
                    consumer.Seek(new TopicPartitionOffset(tp.Key, tp.Min(r => r.Offset.Value)));
                continue;
            }

            txProducer.BeginTransaction();
            foreach (var r in batch)
                txProducer.Produce(outputTopic, new Message<string, string> { Key = r.Message.Key, Value = "copy-" + r.Message.Value });
            var positions = batch.GroupBy(r => r.TopicPartition)
                .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1))
                .ToList();
            txProducer.SendOffsetsToTransaction(positions, consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
            txProducer.CommitTransaction(TimeSpan.FromSeconds(30));
            copied += batch.Count;
        }
        Assert.Equal(count, copied);

        // read_committed: every copy once, no aborted record.
        var seen = new List<string>();
        for (var p = 0; p < 2; p++)
        {
            using var reader = new ConsumerBuilder<string, string>(KafkaNodes.Consumer(Bootstrap, isolation: IsolationLevel.ReadCommitted)).Build();
            reader.Assign(new TopicPartitionOffset(outputTopic, p, 0));
            var end = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < end)
            {
                var r = reader.Consume(TimeSpan.FromMilliseconds(200));
                if (r is not null && !r.IsPartitionEOF) seen.Add(r.Message.Value);
            }
        }
        output.WriteLine($"read_committed saw {seen.Count} records");
        Assert.DoesNotContain(seen, v => v.StartsWith("ABORTED-"));
        Assert.Equal(Enumerable.Range(0, count).Select(i => "copy-" + i).Order(), seen.Order());

        // The group's committed offset came with the transactions.
        var committed = consumer.Committed([new TopicPartition(input, 0)], TimeSpan.FromSeconds(10));
        Assert.Equal(count, committed.Single().Offset.Value);
        consumer.Close();
    }
}
