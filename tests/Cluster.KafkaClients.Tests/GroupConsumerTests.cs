using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.KafkaClients.Tests.Infrastructure;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Cluster.KafkaClients.Tests;

/// <summary>Confluent.Kafka consumers in a group: FindCoordinator, JoinGroup/SyncGroup, heartbeats, commits, OffsetFetch.</summary>
[Collection(SingleKafkaNodeCollection.Name)]
public sealed class GroupConsumerTests(SingleKafkaNodeFixture fixture, ITestOutputHelper output)
{
    private string Bootstrap => fixture.Bootstrap;

    [Fact]
    public async Task Two_members_share_the_partitions_commit_and_a_new_member_resumes_from_the_commits()
    {
        var topic = Topics.Unique("kgroup");
        var group = "g-" + topic;
        await KafkaNodes.CreateTopicAsync(Bootstrap, topic, 4, 1);
        const int count = 200;
        using (var producer = new ProducerBuilder<string, string>(KafkaNodes.Producer(Bootstrap)).Build())
        {
            for (var i = 0; i < count; i++)
                producer.Produce(new TopicPartition(topic, i % 4), new Message<string, string> { Key = $"k{i}", Value = i.ToString() });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        // Two members read half of the records each, committing as they go.
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, string>();
        var assignments = new System.Collections.Concurrent.ConcurrentDictionary<string, List<int>>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task Member(string name, int take)
        {
            await Task.Yield();
            var config = KafkaNodes.Consumer(Bootstrap, group);
            using var consumer = new ConsumerBuilder<string, string>(config)
                .SetPartitionsAssignedHandler((_, parts) => assignments[name] = parts.Select(p => p.Partition.Value).ToList())
                .Build();
            consumer.Subscribe(topic);
            var taken = 0;
            while (taken < take && !stop.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (r is null) continue;
                Assert.True(seen.TryAdd(int.Parse(r.Message.Value), name), $"record {r.Message.Value} read twice");
                consumer.Commit(r);
                taken++;
            }
            consumer.Close();
        }
        // The first member alone gets all four partitions at first; once the second joins they are split.
        await Task.WhenAll(Member("a", 60), Task.Delay(500).ContinueWith(_ => Member("b", 60)).Unwrap());
        output.WriteLine("assignments: " + string.Join("; ", assignments.Select(a => $"{a.Key}=[{string.Join(",", a.Value)}]")));
        Assert.Equal(120, seen.Count);

        // What is committed is where a new member resumes: it reads exactly the rest.
        using (var next = new ConsumerBuilder<string, string>(KafkaNodes.Consumer(Bootstrap, group)).Build())
        {
            next.Subscribe(topic);
            var deadline = DateTime.UtcNow.AddSeconds(45);
            while (seen.Count < count && DateTime.UtcNow < deadline)
            {
                var r = next.Consume(TimeSpan.FromMilliseconds(200));
                if (r is null) continue;
                Assert.True(seen.TryAdd(int.Parse(r.Message.Value), "next"), $"record {r.Message.Value} read twice");
                next.Commit(r);
            }
            var committed = next.Committed(Enumerable.Range(0, 4).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
            Assert.Equal(count, committed.Sum(c => c.Offset.Value));
            next.Close();
        }
        Assert.Equal(count, seen.Count);

        // The HTTP API shows the same committed offsets.
        var offsets = await fixture.Node.Http.GetAsync($"/v1/groups/{group}/offsets?topic={topic}");
        Assert.Equal(200, offsets.Status);
        Assert.Equal(count, offsets["offsets"].EnumerateArray().Sum(o => o.GetProperty("offset").GetInt64()));
    }

    [Fact]
    public async Task A_consumer_without_a_group_membership_commits_and_reads_back_its_offsets()
    {
        var topic = Topics.Unique("ksimple");
        var group = "s-" + topic;
        await KafkaNodes.CreateTopicAsync(Bootstrap, topic, 2, 1);
        using var consumer = new ConsumerBuilder<string, string>(KafkaNodes.Consumer(Bootstrap, group)).Build();
        consumer.Assign([new TopicPartitionOffset(topic, 0, 0), new TopicPartitionOffset(topic, 1, 0)]);
        consumer.Commit([new TopicPartitionOffset(topic, 0, 7), new TopicPartitionOffset(topic, 1, 3)]);
        var committed = consumer.Committed([new TopicPartition(topic, 0), new TopicPartition(topic, 1)], TimeSpan.FromSeconds(10));
        Assert.Equal([7L, 3L], committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        var groups = admin.ListGroups(TimeSpan.FromSeconds(10));
        Assert.Contains(groups, g => g.Group == group);
    }
}
