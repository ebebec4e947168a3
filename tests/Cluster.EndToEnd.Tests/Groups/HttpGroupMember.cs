using System.Collections.Concurrent;
using System.Text.Json;
using Cluster.EndToEnd.Tests.Infrastructure;

namespace Cluster.EndToEnd.Tests.Groups;

/// <summary>
/// A consumer group member over the HTTP API, as a user would write one with curl: join,
/// heartbeat every third of the session timeout in the background, read each assigned
/// partition from the group's committed offset, commit after "processing" (recording) what it
/// read, and join again with its member id when a heartbeat or commit says the group
/// rebalances. <see cref="Die"/> stops it dead: no leave, no more heartbeats.
/// </summary>
public sealed class HttpGroupMember
{
    private static readonly string[] RejoinErrors = ["REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID"];

    private readonly HttpJson _http;
    private readonly string _group;
    private readonly string _topic;
    private readonly int _sessionTimeoutMs;
    private readonly CancellationTokenSource _life = new();
    private readonly object _lock = new();
    private volatile bool _rejoin;
    private Task _run = Task.CompletedTask;

    public HttpGroupMember(string name, HttpJson http, string group, string topic, int sessionTimeoutMs)
    {
        Name = name;
        _http = http;
        _group = group;
        _topic = topic;
        _sessionTimeoutMs = sessionTimeoutMs;
    }

    public string Name { get; }
    public string? MemberId { get; private set; }

    /// <summary>Every record this member processed: (partition, offset, value).</summary>
    public ConcurrentQueue<(int Partition, long Offset, string Value)> Processed { get; } = new();

    /// <summary>Each generation it joined, its partitions, when, and where it started reading them.</summary>
    public List<Generation> Generations { get; } = new();

    /// <summary>The last acknowledged commit per partition.</summary>
    public ConcurrentDictionary<int, long> Committed { get; } = new();

    public sealed record Generation(int Number, int[] Partitions, DateTime JoinedAt)
    {
        public ConcurrentDictionary<int, long> StartedAt { get; } = new();
    }

    public Generation? Current
    {
        get
        {
            lock (_lock) return Generations.LastOrDefault();
        }
    }

    public void Start() => _run = Task.Run(() => RunAsync(_life.Token));

    /// <summary>Stops at once, as a crashed process would: its session simply runs out.</summary>
    public async Task DieAsync()
    {
        await _life.CancelAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task LeaveAsync()
    {
        await DieAsync();
        if (MemberId is { } id) await _http.DeleteAsync($"/v1/groups/{_group}/members/{id}");
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var generation = await JoinAsync(stop);
            if (generation is null) return;
            _rejoin = false;
            using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var heartbeats = HeartbeatAsync(generation.Number, session.Token);
            try
            {
                await ConsumeAsync(generation, session.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await session.CancelAsync();
            try { await heartbeats; } catch (OperationCanceledException) { }
        }
    }

    private async Task<Generation?> JoinAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            JsonResponse joined;
            try
            {
                joined = await _http.PostAsync($"/v1/groups/{_group}/members",
                    JsonSerializer.Serialize(new { topics = new[] { _topic }, sessionTimeoutMs = _sessionTimeoutMs, memberId = MemberId }));
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !stop.IsCancellationRequested)
            {
                continue;
            }
            if (stop.IsCancellationRequested) return null;
            if (joined.Status == 200)
            {
                MemberId = joined["memberId"].GetString();
                var generation = new Generation(joined["generation"].GetInt32(),
                    joined["assignment"].EnumerateArray().Select(a => a.GetProperty("partition").GetInt32()).Order().ToArray(), DateTime.UtcNow);
                lock (_lock) Generations.Add(generation);
                return generation;
            }
            if (joined.Error == "UNKNOWN_MEMBER_ID") MemberId = null;
            else if (joined.Error == "REBALANCE_IN_PROGRESS" && joined.Json.TryGetProperty("memberId", out var id)) MemberId = id.GetString();
            else if (joined.Status < 500) throw new InvalidOperationException($"{Name}: join refused: {joined}");
            await Task.Delay(200, stop);
        }
        return null;
    }

    private async Task HeartbeatAsync(int generation, CancellationToken session)
    {
        while (!session.IsCancellationRequested && !_rejoin)
        {
            await Task.Delay(_sessionTimeoutMs / 3, session);
            try
            {
                var beat = await _http.PostAsync($"/v1/groups/{_group}/members/{MemberId}/heartbeat", JsonSerializer.Serialize(new { generation }));
                if (RejoinErrors.Contains(beat.Error))
                {
                    if (beat.Error == "UNKNOWN_MEMBER_ID") MemberId = null;
                    _rejoin = true;
                }
            }
            catch (HttpRequestException)
            {
            }
        }
    }

    private async Task ConsumeAsync(Generation generation, CancellationToken session)
    {
        var committed = await _http.GetAsync($"/v1/groups/{_group}/offsets?topic={_topic}");
        var positions = generation.Partitions.ToDictionary(p => p, _ => 0L);
        foreach (var o in committed["offsets"].EnumerateArray())
            if (positions.ContainsKey(o.GetProperty("partition").GetInt32()))
                positions[o.GetProperty("partition").GetInt32()] = o.GetProperty("offset").GetInt64();
        foreach (var (p, offset) in positions) generation.StartedAt[p] = offset;

        while (!session.IsCancellationRequested && !_rejoin)
        {
            var any = false;
            foreach (var p in generation.Partitions)
            {
                var fetched = await _http.GetAsync($"/v1/topics/{_topic}/partitions/{p}/records?offset={positions[p]}&maxRecords=20&waitMs=0");
                if (fetched.Status != 200) continue;
                var records = fetched["records"].EnumerateArray().ToList();
                if (records.Count == 0) continue;
                any = true;
                session.ThrowIfCancellationRequested(); // a dead member processes nothing more
                foreach (var r in records) Processed.Enqueue((p, r.GetProperty("offset").GetInt64(), r.GetProperty("value").GetString()!));
                var next = fetched["nextOffset"].GetInt64();
                positions[p] = next;

                var commit = await _http.PostAsync($"/v1/groups/{_group}/offsets", JsonSerializer.Serialize(new
                {
                    offsets = new[] { new { topic = _topic, partition = p, offset = next, metadata = Name } },
                    memberId = MemberId,
                    generation = generation.Number,
                }));
                if (commit.Status == 200) Committed[p] = next;
                else if (RejoinErrors.Contains(commit.Error))
                {
                    _rejoin = true;
                    return;
                }
            }
            if (!any) await Task.Delay(100, session);
        }
    }
}
