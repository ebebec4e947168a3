using System.Text.Json;
using Cluster.Domain.Client;
using Cluster.Domain.Controller;
using Cluster.Domain.Replication;

namespace Cluster.Api.Topics;

/// <summary>
/// A topic as GET /v1/topics/{topic} shows it: assignment and leadership from the metadata,
/// offsets from each partition's leader (asked in parallel). A partition whose leader does
/// not answer within <see cref="LeaderBudget"/> shows -1 offsets rather than failing the
/// whole description.
/// </summary>
public static class TopicDescriber
{
    public static readonly TimeSpan LeaderBudget = TimeSpan.FromSeconds(3);

    public static async Task<ReplicaStatus?[]> PartitionStatusesAsync(BrokerGateway gateway, TopicMetadata topic, CancellationToken cancellation)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        budget.CancelAfter(LeaderBudget);
        var tasks = new Task<ReplicaStatus?>[topic.Partitions.Length];
        for (var p = 0; p < tasks.Length; p++)
            tasks[p] = topic.Partitions[p].HasLeader ? AskAsync(gateway, topic.Name, p, budget.Token) : Task.FromResult<ReplicaStatus?>(null);
        return await Task.WhenAll(tasks);
    }

    private static async Task<ReplicaStatus?> AskAsync(BrokerGateway gateway, string topic, int partition, CancellationToken cancellation)
    {
        try
        {
            var status = await gateway.DescribePartitionAsync(topic, partition, cancellation);
            return status.Error == Domain.Protocol.ErrorCode.None ? status : null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public static void Write(Utf8JsonWriter w, TopicMetadata topic, IReadOnlyList<ReplicaStatus?> statuses)
    {
        w.WriteStartObject();
        w.WriteString("name", topic.Name);
        WriteConfigs(w, topic);
        w.WriteStartArray("partitions");
        foreach (var state in topic.Partitions)
        {
            var status = state.Partition < statuses.Count ? statuses[state.Partition] : null;
            w.WriteStartObject();
            w.WriteNumber("partition", state.Partition);
            w.WriteNumber("leader", state.HasLeader ? state.Leader : -1);
            w.WriteNumber("leaderEpoch", state.LeaderEpoch);
            WriteInts(w, "replicas", state.Replicas);
            WriteInts(w, "isr", state.Isr);
            w.WriteNumber("logStartOffset", status?.LogStartOffset ?? -1);
            w.WriteNumber("highWatermark", status?.HighWatermark ?? -1);
            w.WriteNumber("lastStableOffset", status?.LastStableOffset ?? -1);
            w.WriteNumber("logEndOffset", status?.LogEndOffset ?? -1);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>"configs": every supported config, set or default, as Kafka's describe shows them.</summary>
    public static void WriteConfigs(Utf8JsonWriter w, TopicMetadata topic)
    {
        w.WriteStartObject("configs");
        foreach (var (key, value) in TopicConfig.Effective(topic.Configs)) w.WriteString(key, value);
        w.WriteEndObject();
    }

    private static void WriteInts(Utf8JsonWriter w, string name, int[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }
}
