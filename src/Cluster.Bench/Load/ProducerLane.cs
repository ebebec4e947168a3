using System.Buffers;
using System.Net;
using System.Text;

namespace Cluster.Bench.Load;

/// <summary>
/// One producer: a loop that sends produce requests, each from its own pre-serialized body,
/// with up to <c>inFlight</c> of them outstanding. With a rate it runs open loop on an
/// <see cref="OpenLoopSchedule"/>; without one it sends as soon as a slot frees (closed loop).
/// </summary>
public sealed class ProducerLane
{
    private readonly int _lane;
    private readonly int _lanes;
    private readonly int _inFlight;
    private readonly WorkloadState _state;
    private readonly BenchHttp _http;
    private readonly ProduceRoutes _routes;
    private readonly ProduceBodies _bodies;
    private readonly OpenLoopSchedule? _schedule;
    private readonly TimeSpan _timeout;
    private readonly int[] _partitions;
    private readonly Stack<byte[]> _buffers = new();
    private readonly SendBudget? _budget;

    public ProducerLane(int lane, int lanes, int inFlight, WorkloadState state, BenchHttp http, ProduceRoutes routes,
        ProduceBodies bodies, OpenLoopSchedule? schedule, TimeSpan timeout, int[] partitions, SendBudget? budget = null)
    {
        _budget = budget;
        _lane = lane;
        _lanes = lanes;
        _inFlight = inFlight;
        _state = state;
        _http = http;
        _routes = routes;
        _bodies = bodies;
        _schedule = schedule;
        _timeout = timeout;
        _partitions = partitions;
        for (var i = 0; i < inFlight; i++) _buffers.Push(bodies.NewBuffer());
    }

    /// <summary>Sends until a send would be due at or after <paramref name="stopMicros"/>, then waits for the answers.</summary>
    public async Task RunAsync(long stopMicros, CancellationToken cancel)
    {
        var slots = new SemaphoreSlim(_inFlight, _inFlight);
        var clock = _state.Clock;
        long n = 0;
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                long due;
                if (_schedule is not null)
                {
                    due = _schedule.DueMicros(n);
                    if (due >= stopMicros) break;
                    var wait = due - clock.NowMicros;
                    // Timers fire on a ~1 ms grid; a send a little early is measured from its send (Latency.Micros).
                    if (wait > 1000) await Task.Delay(TimeSpan.FromMicroseconds(wait), cancel);
                    await slots.WaitAsync(cancel);
                }
                else
                {
                    await slots.WaitAsync(cancel);
                    due = clock.NowMicros;
                    if (due >= stopMicros)
                    {
                        slots.Release();
                        break;
                    }
                }
                if (_budget is not null && !_budget.TryTake())
                {
                    slots.Release();
                    break;
                }
                var partition = _partitions[(int)((_lane + n * _lanes) % _partitions.Length)];
                _ = SendAsync(due, partition, slots);
                n++;
            }
        }
        catch (OperationCanceledException)
        {
        }
        // Wait for what is still in flight (each request ends by its own timeout).
        for (var i = 0; i < _inFlight; i++) await slots.WaitAsync(CancellationToken.None);
    }

    private async Task SendAsync(long due, int partition, SemaphoreSlim slots)
    {
        byte[] buffer;
        lock (_buffers) buffer = _buffers.Pop();
        var clock = _state.Clock;
        long sent = 0;
        string? error = null;
        _state.Sending();
        try
        {
            _bodies.Patch(buffer, due, partition);
            var uri = _routes.ProduceUri(partition);
            using var request = new HttpRequestMessage(HttpMethod.Post, uri);
            request.Content = new ByteArrayContent(buffer);
            request.Content.Headers.ContentType = BenchHttp.Json;
            using var cts = new CancellationTokenSource(_timeout);
            sent = clock.NowMicros;
            using var response = await _http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted)
            {
                await DrainAsync(response, cts.Token);
            }
            else
            {
                var text = await response.Content.ReadAsStringAsync(cts.Token);
                error = ErrorName((int)response.StatusCode, text);
                _routes.Stale();
            }
        }
        catch (OperationCanceledException)
        {
            error = "CLIENT_TIMEOUT";
            _routes.Stale();
        }
        catch (HttpRequestException e)
        {
            error = e.HttpRequestError == HttpRequestError.ConnectionError ? "CONNECTION_REFUSED" : "HTTP_" + e.HttpRequestError;
            _routes.Stale();
        }
        finally
        {
            var completed = clock.NowMicros;
            if (sent == 0) sent = completed;
            _state.Produced(new RequestOutcome(due, sent, completed, partition, error is null, error), _state.RecordsPerRequest);
            lock (_buffers) _buffers.Push(buffer);
            slots.Release();
        }
    }

    /// <summary>Reads the answer (the offsets) into a pooled scratch array and drops it.</summary>
    private static async Task DrainAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancel);
            while (await stream.ReadAsync(scratch, cancel) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>The Kafka error name of an error answer, with its status ("503 NOT_ENOUGH_REPLICAS").</summary>
    public static string ErrorName(int status, string body)
    {
        const string marker = "\"error\":\"";
        var at = body.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var start = at + marker.Length;
        var end = body.IndexOf('"', start);
        return end < 0 ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{status} {body[start..end]}";
    }
}

/// <summary>A number of requests shared by all lanes (write N records, then stop).</summary>
public sealed class SendBudget(long requests)
{
    private long _left = requests;

    public bool TryTake() => Interlocked.Decrement(ref _left) >= 0;
}

/// <summary>
/// Where a produce request for a partition goes: its leader (refreshed from the metadata
/// when a request fails) or, with <see cref="Routing.Any"/>, the servers in turn.
/// </summary>
public sealed class ProduceRoutes
{
    private readonly Routing _routing;
    private readonly string _topic;
    private Uri[] _servers;
    private readonly HashSet<string> _excluded = new();
    private readonly Func<Task<TopicLayout>> _describe;
    private TopicLayout _layout;
    private Uri[] _byPartition;
    private int _next;
    private long _staleSince = -1;
    private int _refreshing;

    public ProduceRoutes(Routing routing, TopicLayout layout, IReadOnlyList<Uri> servers, Func<Task<TopicLayout>> describe)
    {
        _routing = routing;
        _topic = layout.Topic;
        _servers = servers.Select(s => new Uri(s, $"/v1/topics/{_topic}/records")).ToArray();
        _describe = describe;
        _layout = layout;
        _byPartition = Build(layout);
    }

    /// <summary>A server the run killed: nothing goes there any more (its partitions go to the others, which route).</summary>
    public void Exclude(Uri server)
    {
        lock (_excluded)
        {
            _excluded.Add(server.GetLeftPart(UriPartial.Authority));
            _servers = _servers.Where(s => !_excluded.Contains(s.GetLeftPart(UriPartial.Authority))).ToArray();
            Volatile.Write(ref _byPartition, Build(_layout));
        }
    }

    public Uri ProduceUri(int partition) =>
        _routing == Routing.Any ? _servers[(int)((uint)Interlocked.Increment(ref _next) % _servers.Length)] : Volatile.Read(ref _byPartition)[partition];

    /// <summary>A request failed: look the leaders up again (at most one lookup at a time, twice a second).</summary>
    public void Stale()
    {
        if (_routing == Routing.Any || Interlocked.CompareExchange(ref _refreshing, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(500);
                var layout = await _describe();
                lock (_excluded)
                {
                    _layout = layout;
                    Volatile.Write(ref _byPartition, Build(layout));
                }
            }
            catch (Exception)
            {
                // Keep the old routes; the next failure asks again.
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    /// <summary>Leaders unknown (-1) or gone from the broker list go to the servers in turn; the nodes route them.</summary>
    private Uri[] Build(TopicLayout layout)
    {
        var uris = new Uri[layout.Partitions];
        for (var p = 0; p < uris.Length; p++)
            uris[p] = layout.LeaderUri(p) is { } leader && _routing == Routing.Leader
                      && !_excluded.Contains(leader.GetLeftPart(UriPartial.Authority))
                ? new Uri(leader, $"/v1/topics/{_topic}/records")
                : _servers[p % _servers.Length];
        return uris;
    }
}
