using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>An HTTP answer: status, raw body, and the body as JSON when it is JSON.</summary>
public sealed class JsonResponse
{
    private JsonElement? _json;

    public JsonResponse(int status, string body, HttpResponseMessage message)
    {
        Status = status;
        Body = body;
        ContentType = message.Content.Headers.ContentType?.MediaType;
        Headers = message.Headers;
    }

    public int Status { get; }
    public string Body { get; }
    public string? ContentType { get; }
    public HttpResponseHeaders Headers { get; }

    public JsonElement Json => _json ??= Body.Length == 0
        ? throw new InvalidOperationException($"HTTP {Status} has no body")
        : JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>The error name of a JSON error body, or null.</summary>
    public string? Error =>
        Body.Length > 0 && Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("error", out var e) ? e.GetString() : null;

    public JsonElement this[string property] => Json.GetProperty(property);

    public override string ToString() => $"HTTP {Status} {Body}";
}

/// <summary>
/// Requests to one node's HTTP API. Bodies are given as raw JSON text (to send exactly what a
/// test means, broken JSON included), as bytes, or as an object serialized with System.Text.Json.
/// </summary>
public sealed class HttpJson : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _client;

    public HttpJson(Uri baseAddress)
    {
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri BaseAddress => _client.BaseAddress!;

    public Task<JsonResponse> GetAsync(string path, TimeSpan? timeout = null) => SendAsync(HttpMethod.Get, path, null, timeout);

    public Task<JsonResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    public Task<JsonResponse> PostAsync(string path, string json) => SendAsync(HttpMethod.Post, path, Json(json));

    public Task<JsonResponse> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, Json(JsonSerializer.Serialize(body)));

    public Task<JsonResponse> PutAsync(string path, string json) => SendAsync(HttpMethod.Put, path, Json(json));

    public Task<JsonResponse> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, Json(JsonSerializer.Serialize(body)));

    public static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    public async Task<JsonResponse> SendAsync(HttpMethod method, string path, HttpContent? content, TimeSpan? timeout = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        return await SendAsync(request, timeout);
    }

    public async Task<JsonResponse> SendAsync(HttpRequestMessage request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        using var response = await _client.SendAsync(request, cts.Token);
        var body = await response.Content.ReadAsStringAsync(cts.Token);
        return new JsonResponse((int)response.StatusCode, body, response);
    }

    // ---- shortcuts for the common calls, asserting success ----

    public async Task<JsonResponse> CreateTopicAsync(string name, int partitions = 1, int replicationFactor = 1,
        IReadOnlyDictionary<string, string>? configs = null)
    {
        var response = await PostAsync("/v1/topics", new { name, partitions, replicationFactor, configs = configs ?? new Dictionary<string, string>() });
        if (response.Status != 201) throw new InvalidOperationException($"creating topic {name}: {response}");
        return response;
    }

    /// <summary>
    /// Produces and returns the (partition, offset) of each record. With <paramref name="retryFor"/>,
    /// a 5xx (the contract's "retry") is retried until then; a retried plain produce may write twice.
    /// </summary>
    public async Task<(int Partition, long Offset)[]> ProduceAsync(string topic, object body, TimeSpan? retryFor = null)
    {
        var deadline = DateTime.UtcNow + (retryFor ?? TimeSpan.Zero);
        var response = await PostAsync($"/v1/topics/{topic}/records", body);
        while (response.Status >= 500 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            response = await PostAsync($"/v1/topics/{topic}/records", body);
        }
        if (response.Status != 200) throw new InvalidOperationException($"producing to {topic}: {response}");
        return response["offsets"].EnumerateArray()
            .Select(o => (o.GetProperty("partition").GetInt32(), o.GetProperty("offset").GetInt64()))
            .ToArray();
    }

    public async Task<JsonResponse> FetchAsync(string topic, int partition, long offset, string extraQuery = "")
    {
        var response = await GetAsync($"/v1/topics/{topic}/partitions/{partition}/records?offset={offset}{extraQuery}");
        if (response.Status != 200) throw new InvalidOperationException($"fetching {topic}-{partition}@{offset}: {response}");
        return response;
    }

    public void Dispose() => _client.Dispose();
}
