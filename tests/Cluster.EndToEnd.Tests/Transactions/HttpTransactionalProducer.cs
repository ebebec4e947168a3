using System.Collections.Concurrent;
using System.Text.Json;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Transactions;

/// <summary>
/// A transactional producer over the HTTP API, as a client would write one: POST /v1/producers
/// for its id and epoch, sequences counted per partition (they start at 0 with every new
/// epoch), offsets and commit/abort under /v1/transactions/{id}. Requests go to
/// <see cref="Http"/>, which a test may point at another node.
/// </summary>
public sealed class HttpTransactionalProducer
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), int> _sequences = new();

    public HttpTransactionalProducer(HttpJson http, string transactionalId, int transactionTimeoutMs = 60_000)
    {
        Http = http;
        TransactionalId = transactionalId;
        TimeoutMs = transactionTimeoutMs;
    }

    public HttpJson Http { get; set; }
    public string TransactionalId { get; }
    public int TimeoutMs { get; }
    public long ProducerId { get; private set; } = -1;
    public short ProducerEpoch { get; private set; } = -1;

    /// <summary>POST /v1/producers: the id's producer id and a new epoch (its open transaction, if any, is aborted first).</summary>
    public async Task<JsonResponse> InitAsync()
    {
        var response = await Http.PostAsync("/v1/producers", new { transactionalId = TransactionalId, transactionTimeoutMs = TimeoutMs });
        if (response.Status == 200)
        {
            ProducerId = response["producerId"].GetInt64();
            ProducerEpoch = response["producerEpoch"].GetInt16();
            _sequences.Clear();
        }
        return response;
    }

    public int NextSequence(string topic, int partition) => _sequences.GetValueOrDefault((topic, partition));

    /// <summary>
    /// One request of <paramref name="values"/> to one partition with the next sequence; the
    /// sequence moves on only when it is acknowledged, so a retry sends the same one.
    /// </summary>
    public async Task<JsonResponse> ProduceAsync(string topic, int partition, IReadOnlyList<string> values, short? epoch = null, int? sequence = null)
    {
        var baseSequence = sequence ?? NextSequence(topic, partition);
        var response = await Http.PostAsync($"/v1/topics/{topic}/records", new
        {
            acks = "all",
            transactionalId = TransactionalId,
            producerId = ProducerId,
            producerEpoch = epoch ?? ProducerEpoch,
            baseSequence,
            records = values.Select(v => new { value = v, partition }),
        });
        if (response.Status == 200 && sequence is null) _sequences[(topic, partition)] = baseSequence + values.Count;
        return response;
    }

    public Task<JsonResponse> SendOffsetsAsync(string group, IEnumerable<(string Topic, int Partition, long Offset)> offsets, short? epoch = null) =>
        Http.PostAsync($"/v1/transactions/{TransactionalId}/offsets", new
        {
            producerId = ProducerId,
            producerEpoch = epoch ?? ProducerEpoch,
            group,
            offsets = offsets.Select(o => new { topic = o.Topic, partition = o.Partition, offset = o.Offset }),
        });

    public Task<JsonResponse> CommitAsync(short? epoch = null) => EndAsync("commit", epoch);

    public Task<JsonResponse> AbortAsync(short? epoch = null) => EndAsync("abort", epoch);

    private Task<JsonResponse> EndAsync(string what, short? epoch) =>
        Http.PostAsync($"/v1/transactions/{TransactionalId}/{what}", new { producerId = ProducerId, producerEpoch = epoch ?? ProducerEpoch });

    /// <summary>Every record a read_committed reader gets from the partition, from offset 0 up to the last stable offset.</summary>
    public static async Task<List<string>> ReadCommittedAsync(HttpJson http, string topic, int partition)
    {
        var values = new List<string>();
        long offset = 0;
        while (true)
        {
            var fetch = await http.FetchAsync(topic, partition, offset, "&isolation=read_committed&maxRecords=5000&maxBytes=8388608");
            foreach (var record in fetch["records"].EnumerateArray()) values.Add(record.GetProperty("value").GetString()!);
            var next = fetch["nextOffset"].GetInt64();
            if (next <= offset || next >= fetch["lastStableOffset"].GetInt64()) return values;
            offset = next;
        }
    }

    public static long LastStableOffset(JsonResponse topicDescription, int partition) =>
        topicDescription["partitions"].EnumerateArray().Single(p => p.GetProperty("partition").GetInt32() == partition)
            .GetProperty("lastStableOffset").GetInt64();

    public static JsonElement Partition(JsonResponse topicDescription, int partition) =>
        topicDescription["partitions"].EnumerateArray().Single(p => p.GetProperty("partition").GetInt32() == partition);
}
