using System.Text.Json;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Replication;

/// <summary>
/// Helpers for the failover specs: a producer that keeps writing acks=all batches and
/// remembers exactly what was acknowledged, and readers of a partition's whole log.
/// </summary>
internal sealed class AcknowledgedProducer
{
    private readonly ClusterProcesses _cluster;
    private readonly string _topic;
    private readonly object _gate = new();
    private int _next;

    public AcknowledgedProducer(ClusterProcesses cluster, string topic)
    {
        _cluster = cluster;
        _topic = topic;
    }

    /// <summary>Value → offset of every record a 200 acknowledged.</summary>
    public Dictionary<string, long> Acknowledged { get; } = new();

    public int Failures { get; private set; }

    private readonly List<(DateTime Sent, DateTime Acknowledged)> _successes = new();

    /// <summary>When the first request sent after <paramref name="time"/> was acknowledged, if one was.</summary>
    public DateTime? FirstAcknowledgedSentAfter(DateTime time)
    {
        lock (_gate) return _successes.Where(s => s.Sent >= time).Select(s => (DateTime?)s.Acknowledged).Min();
    }

    /// <summary>Produce batches to partition 0 through any running node until cancelled; 5xx answers are retried with the same records.</summary>
    public async Task RunAsync(CancellationToken stop, int recordsPerBatch = 5)
    {
        var attempt = 0;
        while (!stop.IsCancellationRequested)
        {
            var values = Enumerable.Range(0, recordsPerBatch).Select(i => $"v{_next}-{i}").ToArray();
            while (!stop.IsCancellationRequested)
            {
                var nodes = _cluster.Nodes.Where(n => n.IsRunning).ToList();
                if (nodes.Count == 0) { await Task.Delay(100); continue; }
                var node = nodes[attempt++ % nodes.Count];
                JsonResponse response;
                var sent = DateTime.UtcNow;
                try
                {
                    response = await node.Http.PostAsync($"/v1/topics/{_topic}/records",
                        new { acks = "all", records = values.Select(v => new { value = v, partition = 0 }) });
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    Failures++;
                    await Task.Delay(50);
                    continue;
                }
                if (response.Status == 200)
                {
                    var offsets = response["offsets"].EnumerateArray().Select(o => o.GetProperty("offset").GetInt64()).ToArray();
                    lock (_gate)
                    {
                        for (var i = 0; i < values.Length; i++) Acknowledged[values[i]] = offsets[i];
                        _successes.Add((sent, DateTime.UtcNow));
                    }
                    break;
                }
                if (response.Status < 500) throw new InvalidOperationException($"unexpected answer: {response}");
                Failures++;
                await Task.Delay(50);
            }
            _next++;
        }
    }
}

internal static class PartitionLog
{
    /// <summary>Every record of a partition (offset, value), read from the leader through <paramref name="node"/>.</summary>
    public static async Task<List<(long Offset, string Value)>> ReadAllAsync(NodeProcess node, string topic, int partition = 0)
    {
        var records = new List<(long, string)>();
        long offset = 0;
        while (true)
        {
            var response = await node.Http.FetchAsync(topic, partition, offset, "&maxRecords=5000&maxBytes=4194304");
            var batch = response["records"].EnumerateArray()
                .Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("value").GetString()!)).ToList();
            records.AddRange(batch);
            var next = response["nextOffset"].GetInt64();
            if (next >= response["highWatermark"].GetInt64() || batch.Count == 0 && next == offset) return records;
            offset = next;
        }
    }

    /// <summary>Every record one broker's replica holds (offset, value), read through <paramref name="node"/>.</summary>
    public static async Task<List<(long Offset, string Value)>> ReadReplicaAsync(NodeProcess node, string topic, int brokerId, int partition = 0)
    {
        var records = new List<(long, string)>();
        long offset = 0;
        while (true)
        {
            var response = await node.Http.GetAsync($"/v1/topics/{topic}/partitions/{partition}/replicas/{brokerId}/records?offset={offset}&maxRecords=5000&maxBytes=4194304");
            if (response.Status != 200) throw new InvalidOperationException($"reading broker {brokerId}'s replica: {response}");
            var batch = response["records"].EnumerateArray()
                .Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("value").GetString()!)).ToList();
            records.AddRange(batch);
            var next = response["nextOffset"].GetInt64();
            if (batch.Count == 0 || next >= response["highWatermark"].GetInt64()) return records;
            offset = next;
        }
    }

    public static async Task<JsonElement> DescribeAsync(NodeProcess node, string topic, int partition = 0)
    {
        var response = await node.Http.GetAsync($"/v1/topics/{topic}");
        if (response.Status != 200) throw new InvalidOperationException($"describe {topic}: {response}");
        return response["partitions"][partition];
    }

    public static async Task<int[]> IsrAsync(NodeProcess node, string topic, int partition = 0) =>
        (await DescribeAsync(node, topic, partition)).GetProperty("isr").EnumerateArray().Select(b => b.GetInt32()).ToArray();

    public static async Task<int> LeaderAsync(NodeProcess node, string topic, int partition = 0) =>
        (await DescribeAsync(node, topic, partition)).GetProperty("leader").GetInt32();

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout} waiting for: {what}");
            await Task.Delay(200);
        }
    }
}
