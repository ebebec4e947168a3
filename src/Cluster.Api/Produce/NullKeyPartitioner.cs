using Cluster.Domain.Controller;

namespace Cluster.Api.Produce;

/// <summary>
/// Spreads records that have neither key nor partition, like Kafka's sticky partitioner:
/// all such records of one request go to one partition, the next request to the next one,
/// skipping partitions that have no leader right now when another has one.
/// </summary>
public sealed class NullKeyPartitioner
{
    private int _next = Random.Shared.Next();

    public int Next(TopicMetadata topic)
    {
        var count = topic.Partitions.Length;
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var p = (start + i) % count;
            if (topic.Partitions[p].HasLeader) return p;
        }
        return start;
    }
}
