using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Cluster.Cli.Http;

/// <summary>
/// Requests to the cluster's HTTP API over a list of servers (any node answers any request).
/// A server that cannot be reached is skipped for the next one in the list, which then stays
/// the preferred server. Failing over is always safe when the connection was never made; when
/// a request was sent but no answer came, only idempotent requests (GET, PUT, DELETE) are sent
/// again elsewhere, so that a produce is never written twice by the CLI.
/// </summary>
public sealed class ClusterClient : IDisposable
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly IReadOnlyList<Uri> _servers;
    private readonly TimeSpan _requestTimeout;
    private int _current;

    public ClusterClient(IReadOnlyList<Uri> servers, TimeSpan? requestTimeout = null)
    {
        if (servers.Count == 0) throw new ArgumentException("at least one server", nameof(servers));
        _servers = servers;
        _requestTimeout = requestTimeout ?? DefaultRequestTimeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public IReadOnlyList<Uri> Servers => _servers;

    /// <summary>The server the next request goes to first.</summary>
    public Uri CurrentServer => _servers[Volatile.Read(ref _current)];

    /// <summary>
    /// Parses <c>--server</c>: a comma-separated list of base addresses; <c>host:port</c> without a
    /// scheme means http.
    /// </summary>
    public static IReadOnlyList<Uri> ParseServers(string? list)
    {
        var servers = new List<Uri>();
        foreach (var part in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var text = part.Contains("://", StringComparison.Ordinal) ? part : "http://" + part;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new UsageException($"'{part}' is not a server address; expected for example http://127.0.0.1:8080");
            servers.Add(new Uri(uri.GetLeftPart(UriPartial.Authority)));
        }
        if (servers.Count == 0) throw new UsageException("no server given: use --server http://host:port (or CLUSTER_SERVER)");
        return servers;
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellation, TimeSpan? longPoll = null) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellation, longPoll);

    public Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellation, TimeSpan? longPoll = null) =>
        SendAsync<T>(HttpMethod.Post, path, body, cancellation, longPoll);

    public Task<T> PutAsync<T>(string path, object? body, CancellationToken cancellation) =>
        SendAsync<T>(HttpMethod.Put, path, body, cancellation);

    public Task DeleteAsync(string path, CancellationToken cancellation) =>
        SendAsync<JsonElement>(HttpMethod.Delete, path, null, cancellation);

    /// <summary>
    /// Sends one request, failing over as described on the class. A 2xx answer is deserialized
    /// (an empty body gives <c>default</c>); any other is thrown as <see cref="ClusterApiException"/>.
    /// </summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellation, TimeSpan? longPoll = null)
    {
        var idempotent = method != HttpMethod.Post;
        var failures = new List<string>();
        var start = Volatile.Read(ref _current);
        for (var attempt = 0; attempt < _servers.Count; attempt++)
        {
            var index = (start + attempt) % _servers.Count;
            var server = _servers[index];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(_requestTimeout + (longPoll ?? TimeSpan.Zero));
            HttpResponseMessage response;
            try
            {
                using var request = new HttpRequestMessage(method, new Uri(server, path));
                if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            }
            catch (HttpRequestException e) when (!cancellation.IsCancellationRequested)
            {
                var neverSent = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError;
                failures.Add($"{Display(server)} ({Describe(e)})");
                if (neverSent || idempotent) continue;
                throw new ServerUnreachableException(
                    $"{Display(server)} closed the connection before answering {method} {path} ({Describe(e)}); it may or may not have been applied");
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                failures.Add($"{Display(server)} (no answer within {(_requestTimeout + (longPoll ?? TimeSpan.Zero)).TotalSeconds:0} s)");
                if (idempotent) continue;
                throw new ServerUnreachableException(
                    $"{Display(server)} did not answer {method} {path} within {(_requestTimeout + (longPoll ?? TimeSpan.Zero)).TotalSeconds:0} s; it may or may not have been applied");
            }

            Volatile.Write(ref _current, index);
            using (response)
                return await ReadAsync<T>(response, server, cancellation);
        }
        throw new ServerUnreachableException(failures.Count == 1
            ? $"cannot reach the server {failures[0]}"
            : $"cannot reach any server: {string.Join(", ", failures)}");
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, Uri server, CancellationToken cancellation)
    {
        var text = await response.Content.ReadAsStringAsync(cancellation);
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
            return text.Length == 0 ? default! : JsonSerializer.Deserialize<T>(text, Json)!;

        string? error = null, message = null;
        JsonElement? body = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                body = document.RootElement.Clone();
                if (document.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String) error = e.GetString();
                if (document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) message = m.GetString();
            }
        }
        catch (JsonException)
        {
            // Not the contract's error body (a proxy in between, say): report the status and the start of the text.
        }
        throw new ClusterApiException(status,
            error ?? $"HTTP_{status}",
            message ?? (text.Length > 200 ? text[..200] + "…" : text.Length > 0 ? text : response.ReasonPhrase ?? "no message"),
            server, body);
    }

    /// <summary>A server as the user typed it: scheme, host and port, no trailing slash.</summary>
    public static string Display(Uri server) => server.GetLeftPart(UriPartial.Authority);

    private static string Describe(HttpRequestException e) =>
        e.InnerException is SocketException socket ? socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound => "unknown host",
            SocketError.TimedOut => "connection timed out",
            _ => socket.Message,
        }
        : e.HttpRequestError == HttpRequestError.ResponseEnded ? "connection closed" : e.Message;

    public void Dispose() => _http.Dispose();
}

/// <summary>Path segments: topic and group names are escaped, whatever they hold.</summary>
public static class ApiPaths
{
    public static string Topic(string topic) => $"/v1/topics/{Uri.EscapeDataString(topic)}";

    public static string Records(string topic) => $"{Topic(topic)}/records";

    public static string Partition(string topic, int partition) =>
        $"{Topic(topic)}/partitions/{partition.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static string Group(string group) => $"/v1/groups/{Uri.EscapeDataString(group)}";
}
