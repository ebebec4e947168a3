using System.Text;
using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.KafkaClients.Tests.Infrastructure;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit.Abstractions;

namespace Cluster.KafkaClients.Tests;

public sealed class SingleKafkaNodeFixture : IAsyncLifetime
{
    private NodeProcess? _node;

    public NodeProcess Node => _node ?? throw new InvalidOperationException("the node did not start");
    public string Bootstrap => Node.Bootstrap();

    public async Task InitializeAsync()
    {
        _node = new NodeProcess(KafkaNodes.WithKafka(new NodeProcessOptions { Name = "kafka-single" }));
        await _node.StartAsync(waitUntilHealthy: true, KafkaNodes.StartTimeout);
    }

    public Task DisposeAsync()
    {
        _node?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SingleKafkaNodeCollection : ICollectionFixture<SingleKafkaNodeFixture>
{
    public const string Name = "single kafka node";
}

/// <summary>One node, Confluent.Kafka (librdkafka 2.16) as the client: admin, produce, consume without a group, errors.</summary>
[Collection(SingleKafkaNodeCollection.Name)]
public sealed class SingleNodeKafkaTests(SingleKafkaNodeFixture fixture, ITestOutputHelper output)
{
    private string Bootstrap => fixture.Bootstrap;

    [Fact]
    public async Task Admin_creates_a_topic_that_metadata_then_describes_with_this_broker_as_leader()
    {
        var topic = Topics.Unique("kadmin");
        await KafkaNodes.CreateTopicAsync(Bootstrap, topic, 3, 1, new() { ["retention.ms"] = "3600000" });

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var broker = Assert.Single(metadata.Brokers);
        Assert.Equal((1, "127.0.0.1", fixture.Node.Options.KafkaPort), (broker.BrokerId, broker.Host, broker.Port));
        var described = Assert.Single(metadata.Topics);
        Assert.Equal(ErrorCode.NoError, described.Error.Code);
        Assert.Equal(3, described.Partitions.Count);
        Assert.All(described.Partitions, p => Assert.Equal(1, p.Leader));

        var configs = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);
        var entries = Assert.Single(configs).Entries;
        Assert.Equal("3600000", entries["retention.ms"].Value);
        Assert.False(entries["retention.ms"].IsDefault);
        Assert.Equal("1", entries["min.insync.replicas"].Value);
        Assert.True(entries["min.insync.replicas"].IsDefault);

        var brokerConfigs = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = "1" }]);
        Assert.Equal("false", Assert.Single(brokerConfigs).Entries["auto.create.topics.enable"].Value);

        var again = await Assert.ThrowsAsync<CreateTopicsException>(() => KafkaNodes.CreateTopicAsync(Bootstrap, topic, 1, 1));
        Assert.Equal(ErrorCode.TopicAlreadyExists, Assert.Single(again.Results).Error.Code);
        var badRf = await Assert.ThrowsAsync<CreateTopicsException>(() => KafkaNodes.CreateTopicAsync(Bootstrap, Topics.Unique("rf"), 1, 3));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, Assert.Single(badRf.Results).Error.Code);

        await admin.DeleteTopicsAsync([topic]);
        var gone = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, Assert.Single(gone.Topics).Error.Code);
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Idempotent_acks_all_records_come_back_in_order_with_dense_offsets(CompressionType compression)
    {
        var topic = Topics.Unique("kprod");
        await KafkaNodes.CreateTopicAsync(Bootstrap, topic, 2, 1);

        const int count = 300;
        var config = KafkaNodes.Producer(Bootstrap);
        config.CompressionType = compression;
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            var sends = new List<Task<DeliveryResult<string, string>>>();
            for (var i = 0; i < count; i++)
                sends.Add(producer.ProduceAsync(new TopicPartition(topic, i % 2), new Message<string, string>
                {
                    Key = $"k{i}",
                    Value = $"value-{i}",
                    Headers = new Headers { { "h", Encoding.UTF8.GetBytes($"hv{i}") } },
                }));
            var results = await Task.WhenAll(sends);
            Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
            for (var p = 0; p < 2; p++)
                Assert.Equal(Enumerable.Range(0, count / 2).Select(o => (long)o),
                    results.Where(r => r.Partition.Value == p).Select(r => r.Offset.Value).Order());
        }

        for (var p = 0; p < 2; p++)
        {
            var read = KafkaNodes.ReadPartition(Bootstrap, topic, p, 0, count / 2, TimeSpan.FromSeconds(30));
            Assert.Equal(count / 2, read.Count);
            for (var j = 0; j < read.Count; j++)
            {
                var i = j * 2 + p;
                Assert.Equal((long)j, read[j].Offset.Value);
                Assert.Equal($"k{i}", read[j].Message.Key);
                Assert.Equal($"value-{i}", read[j].Message.Value);
                Assert.Equal($"hv{i}", Encoding.UTF8.GetString(read[j].Message.Headers.GetLastBytes("h")));
            }
        }
        output.WriteLine($"{compression}: {count} records produced and read back");
    }

    [Fact]
    public async Task Http_and_Kafka_are_two_doors_to_the_same_data()
    {
        var topic = Topics.Unique("kdoors");
        await fixture.Node.Http.CreateTopicAsync(topic, partitions: 1);

        // HTTP in, Kafka out.
        var offsets = await fixture.Node.Http.ProduceAsync(topic, new
        {
            acks = "all",
            records = Enumerable.Range(0, 5).Select(i => new { key = $"h{i}", value = $"from-http-{i}", partition = 0 }).ToArray(),
        });
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (0, (long)i)), offsets);
        var viaKafka = KafkaNodes.ReadPartition(Bootstrap, topic, 0, 0, 5, TimeSpan.FromSeconds(20));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => ((long)i, $"h{i}", $"from-http-{i}")),
            viaKafka.Select(r => (r.Offset.Value, r.Message.Key, r.Message.Value)));

        // Kafka in, HTTP out.
        using (var producer = new ProducerBuilder<string, string>(KafkaNodes.Producer(Bootstrap)).Build())
            for (var i = 0; i < 5; i++)
            {
                var r = await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = $"k{i}", Value = $"from-kafka-{i}" });
                Assert.Equal(5L + i, r.Offset.Value);
            }
        var viaHttp = await fixture.Node.Http.FetchAsync(topic, 0, 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (5L + i, $"k{i}", $"from-kafka-{i}")),
            viaHttp["records"].EnumerateArray().Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("key").GetString(), r.GetProperty("value").GetString())));

        // ListOffsets agrees with the HTTP offsets API.
        using var consumer = new ConsumerBuilder<string, string>(KafkaNodes.Consumer(Bootstrap)).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.Equal((0L, 10L), (watermarks.Low.Value, watermarks.High.Value));
        var latest = await fixture.Node.Http.GetAsync($"/v1/topics/{topic}/partitions/0/offsets?at=latest");
        Assert.Equal(10, latest["offset"].GetInt64());
    }

    [Fact]
    public async Task Producing_to_an_unknown_topic_fails_and_creates_nothing()
    {
        var topic = Topics.Unique("knone");
        var config = KafkaNodes.Producer(Bootstrap);
        config.MessageTimeoutMs = 3000;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        var error = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
            producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" }));
        output.WriteLine($"produce to an unknown topic: {error.Error.Code} {error.Error.Reason}");
        Assert.Contains(error.Error.Code, new[] { ErrorCode.UnknownTopicOrPart, ErrorCode.Local_UnknownTopic, ErrorCode.Local_MsgTimedOut });
        var described = await fixture.Node.Http.GetAsync($"/v1/topics/{topic}");
        Assert.Equal(404, described.Status);
    }

    [Fact]
    public async Task A_consumer_long_polls_and_gets_records_as_they_arrive()
    {
        var topic = Topics.Unique("kpoll");
        await KafkaNodes.CreateTopicAsync(Bootstrap, topic, 1, 1);
        var config = KafkaNodes.Consumer(Bootstrap);
        config.FetchWaitMaxMs = 5000;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 0));
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500)));

        var started = DateTime.UtcNow;
        var produced = Task.Run(async () =>
        {
            await Task.Delay(300);
            using var producer = new ProducerBuilder<string, string>(KafkaNodes.Producer(Bootstrap)).Build();
            return await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "late" });
        });
        ConsumeResult<string, string>? got = null;
        while (got is null && DateTime.UtcNow - started < TimeSpan.FromSeconds(20)) got = consumer.Consume(TimeSpan.FromSeconds(1));
        Assert.NotNull(got);
        Assert.Equal("late", got!.Message.Value);
        Assert.Equal(0, (await produced).Offset.Value);
    }
}
