using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Bench.Load;

/// <summary>
/// One HttpClient for the whole run: SocketsHttpHandler with pooled keep-alive connections
/// (one per request in flight), no proxy, no cookies, no decompression, no per-request
/// timeout object (each call passes its own token). Admin calls (topics, metadata) go
/// through the same client.
/// </summary>
public sealed class BenchHttp : IDisposable
{
    public static readonly MediaTypeHeaderValue Json = new("application/json");

    public BenchHttp()
    {
        Client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 4096,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public HttpClient Client { get; }

    public async Task<(HttpStatusCode Status, JsonNode? Body)> GetJsonAsync(Uri uri, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var response = await Client.GetAsync(uri, cts.Token);
        var text = await response.Content.ReadAsStringAsync(cts.Token);
        return (response.StatusCode, Parse(text));
    }

    public async Task<(HttpStatusCode Status, JsonNode? Body)> PostJsonAsync(Uri uri, string json, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(uri, content, cts.Token);
        var text = await response.Content.ReadAsStringAsync(cts.Token);
        return (response.StatusCode, Parse(text));
    }

    private static JsonNode? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>Where each partition's leader answers HTTP, from GET /v1/cluster and GET /v1/topics/{topic}.</summary>
public sealed record TopicLayout(string Topic, int[] Leaders, IReadOnlyDictionary<int, Uri> BrokerUris, int? Controller)
{
    public int Partitions => Leaders.Length;

    public Uri? LeaderUri(int partition) =>
        Leaders[partition] >= 0 && BrokerUris.TryGetValue(Leaders[partition], out var uri) ? uri : null;
}

/// <summary>Topic administration and metadata over the HTTP API (contract section 2).</summary>
public sealed class ClusterAdmin
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);
    private readonly BenchHttp _http;
    private readonly IReadOnlyList<Uri> _servers;
    private int _next;

    public ClusterAdmin(BenchHttp http, IReadOnlyList<Uri> servers)
    {
        _http = http;
        _servers = servers;
    }

    public IReadOnlyList<Uri> Servers => _servers;

    /// <summary>A server that answered last, trying the others in turn when one fails.</summary>
    private async Task<T> OnAnyAsync<T>(Func<Uri, Task<T>> call)
    {
        Exception? last = null;
        for (var i = 0; i < _servers.Count; i++)
        {
            var server = _servers[(int)((uint)(_next + i) % _servers.Count)];
            try
            {
                var result = await call(server);
                _next = (int)((uint)(_next + i) % _servers.Count);
                return result;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                last = e;
            }
        }
        throw new InvalidOperationException($"No server answered ({string.Join(", ", _servers)}): {last?.Message}", last);
    }

    public async Task CreateTopicAsync(string topic, int partitions, int replicationFactor, int? minInsync, TimeSpan timeout)
    {
        var configs = minInsync is { } m ? $",\"configs\":{{\"min.insync.replicas\":\"{m}\"}}" : "";
        var body = $"{{\"name\":\"{topic}\",\"partitions\":{partitions},\"replicationFactor\":{replicationFactor}{configs}}}";
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (status, answer) = await OnAnyAsync(s => _http.PostJsonAsync(new Uri(s, "/v1/topics"), body, CallTimeout));
            if (status == HttpStatusCode.Created) return;
            var error = answer?["error"]?.GetValue<string>();
            if (status == HttpStatusCode.Conflict && error == "TOPIC_ALREADY_EXISTS") return;
            // Brokers still registering (RF above live brokers), or the controller moving: ask again.
            var retriable = (int)status >= 500 || error == "INVALID_REPLICATION_FACTOR";
            if (!retriable || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"Creating topic {topic} failed: {(int)status} {answer?.ToJsonString()}");
            await Task.Delay(500);
        }
    }

    public async Task<TopicLayout> DescribeAsync(string topic)
    {
        var (clusterStatus, cluster) = await OnAnyAsync(s => _http.GetJsonAsync(new Uri(s, "/v1/cluster"), CallTimeout));
        if (clusterStatus != HttpStatusCode.OK || cluster is null)
            throw new InvalidOperationException($"GET /v1/cluster answered {(int)clusterStatus}");
        var brokers = new Dictionary<int, Uri>();
        foreach (var b in cluster["brokers"]!.AsArray())
        {
            var id = b!["id"]!.GetValue<int>();
            var host = b["host"]!.GetValue<string>();
            var port = b["httpPort"]!.GetValue<int>();
            brokers[id] = new Uri($"http://{host}:{port}/");
        }
        var controller = cluster["controller"] is JsonValue c && c.TryGetValue<int>(out var cid) ? cid : (int?)null;

        var (status, description) = await OnAnyAsync(s => _http.GetJsonAsync(new Uri(s, $"/v1/topics/{topic}"), CallTimeout));
        if (status != HttpStatusCode.OK || description is null)
            throw new InvalidOperationException($"GET /v1/topics/{topic} answered {(int)status}: {description?.ToJsonString()}");
        var partitions = description["partitions"]!.AsArray();
        var leaders = new int[partitions.Count];
        foreach (var p in partitions)
            leaders[p!["partition"]!.GetValue<int>()] = p["leader"]!.GetValue<int>();
        return new TopicLayout(topic, leaders, brokers, controller);
    }

    /// <summary>Until every partition has a leader (and, when asked, a full ISR).</summary>
    public async Task<TopicLayout> WaitForLeadersAsync(string topic, int replicationFactor, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var layout = await DescribeAsync(topic);
                if (layout.Leaders.All(l => l >= 0) && await IsrFullAsync(topic, replicationFactor)) return layout;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Topic {topic} has no leader for every partition after {timeout}");
            await Task.Delay(250);
        }
    }

    private async Task<bool> IsrFullAsync(string topic, int replicationFactor) =>
        await IsrAsync(topic) is { } isr && isr.All(members => members.Length >= replicationFactor);

    /// <summary>Each partition's ISR, or null while no server describes the topic.</summary>
    public async Task<int[][]?> IsrAsync(string topic)
    {
        var (status, description) = await OnAnyAsync(s => _http.GetJsonAsync(new Uri(s, $"/v1/topics/{topic}"), CallTimeout));
        return status == HttpStatusCode.OK ? ParseIsr(description) : null;
    }

    /// <summary>The ISR of each partition (indexed by partition number) in a GET /v1/topics/{topic} answer.</summary>
    public static int[][]? ParseIsr(JsonNode? description)
    {
        if (description?["partitions"] is not JsonArray partitions) return null;
        var isr = new int[partitions.Count][];
        foreach (var p in partitions)
            isr[p!["partition"]!.GetValue<int>()] = p["isr"]!.AsArray().Select(b => b!.GetValue<int>()).ToArray();
        return isr;
    }

    /// <summary>The log end (high watermark) of each partition.</summary>
    public async Task<long[]> HighWatermarksAsync(string topic)
    {
        var (status, description) = await OnAnyAsync(s => _http.GetJsonAsync(new Uri(s, $"/v1/topics/{topic}"), CallTimeout));
        if (status != HttpStatusCode.OK || description is null) throw new InvalidOperationException($"GET /v1/topics/{topic} answered {(int)status}");
        var partitions = description["partitions"]!.AsArray();
        var hw = new long[partitions.Count];
        foreach (var p in partitions) hw[p!["partition"]!.GetValue<int>()] = p["highWatermark"]!.GetValue<long>();
        return hw;
    }
}
