using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Cluster.Bench.Load;

/// <summary>One partition a consumer reads: from where, and (catch-up) up to where.</summary>
public sealed class PartitionCursor
{
    public PartitionCursor(int partition, long offset, long endOffset = long.MaxValue)
    {
        Partition = partition;
        Offset = offset;
        EndOffset = endOffset;
    }

    public int Partition { get; }
    public long Offset { get; set; }
    public long EndOffset { get; }
    public long HighWatermark { get; set; } = -1;
    public bool Done => Offset >= EndOffset;
}

/// <summary>
/// A fetch loop over its partitions: long-polls (waitMs) when its last round found nothing,
/// reads each answer into one growing buffer, and walks it with Utf8JsonReader: every
/// record's value stamp gives its end-to-end latency, nextOffset the next fetch.
/// </summary>
public sealed class ConsumerLane
{
    private readonly WorkloadState _state;
    private readonly BenchHttp _http;
    private readonly Func<int, Uri> _leaderBase;
    private readonly string _topic;
    private readonly IReadOnlyList<PartitionCursor> _cursors;
    private readonly int _maxRecords;
    private readonly int _maxBytes;
    private readonly int _waitMs;
    private readonly bool _measureLatency;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 20);

    public ConsumerLane(WorkloadState state, BenchHttp http, Func<int, Uri> leaderBase, string topic, IReadOnlyList<PartitionCursor> cursors,
        int maxRecords, int maxBytes, int waitMs, bool measureLatency)
    {
        _state = state;
        _http = http;
        _leaderBase = leaderBase;
        _topic = topic;
        _cursors = cursors;
        _maxRecords = maxRecords;
        _maxBytes = maxBytes;
        _waitMs = waitMs;
        _measureLatency = measureLatency;
    }

    public long Fetches { get; private set; }
    public long FetchErrors { get; private set; }

    /// <summary>
    /// Fetches until every cursor reached its end, or, once <paramref name="drain"/> is
    /// cancelled, until each is at the high watermark it last saw (or <paramref name="stop"/>).
    /// </summary>
    public async Task RunAsync(CancellationToken drain, CancellationToken stop)
    {
        try
        {
            var idle = false;
            while (!stop.IsCancellationRequested)
            {
                var active = 0;
                var gotAny = false;
                foreach (var cursor in _cursors)
                {
                    if (cursor.Done) continue;
                    if (drain.IsCancellationRequested && cursor.HighWatermark >= 0 && cursor.Offset >= cursor.HighWatermark) continue;
                    active++;
                    var wait = idle && !drain.IsCancellationRequested ? _waitMs : 0;
                    if (await FetchAsync(cursor, wait, stop) > 0) gotAny = true;
                }
                if (active == 0) break;
                idle = !gotAny;
                if (idle && drain.IsCancellationRequested) await Task.Delay(20, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private async Task<int> FetchAsync(PartitionCursor cursor, int waitMs, CancellationToken stop)
    {
        var uri = new Uri(_leaderBase(cursor.Partition),
            string.Create(CultureInfo.InvariantCulture,
                $"/v1/topics/{_topic}/partitions/{cursor.Partition}/records?offset={cursor.Offset}&maxRecords={_maxRecords}&maxBytes={_maxBytes}&waitMs={waitMs}"));
        Fetches++;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
            cts.CancelAfter(TimeSpan.FromMilliseconds(waitMs + 30_000));
            using var response = await _http.Client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var length = await ReadAllAsync(response, cts.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                FetchErrors++;
                await Task.Delay(100, stop);
                return 0;
            }
            return Walk(_buffer.AsSpan(0, length), cursor);
        }
        catch (HttpRequestException)
        {
            FetchErrors++;
            await Task.Delay(200, stop);
            return 0;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            FetchErrors++;
            return 0;
        }
    }

    private async Task<int> ReadAllAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancel);
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(length), cancel);
            if (read == 0) return length;
            length += read;
        }
    }

    /// <summary>Counts the records of one fetch answer and their latencies; moves the cursor. Returns the records seen.</summary>
    internal int Walk(ReadOnlySpan<byte> json, PartitionCursor cursor) => WalkAnswer(json, cursor, _state, _measureLatency);

    internal static int WalkAnswer(ReadOnlySpan<byte> json, PartitionCursor cursor, WorkloadState state, bool measureLatency)
    {
        var reader = new Utf8JsonReader(json);
        var now = state.Clock.NowMicros;
        var records = 0;
        long runStamp = -1;
        var runCount = 0;
        long runBytes = 0;
        var depth = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.PropertyName when depth == 3 && reader.ValueTextEquals("value"u8):
                    reader.Read();
                    records++;
                    if (reader.TokenType != JsonTokenType.String) break;
                    var value = reader.ValueSpan;
                    var stamp = ProduceBodies.ReadStamp(value);
                    // Records of one request share a stamp: record them as one run.
                    if (stamp != runStamp && runCount > 0)
                    {
                        state.Consumed(runStamp, now, runCount, runBytes, measureLatency);
                        runCount = 0;
                        runBytes = 0;
                    }
                    runStamp = stamp;
                    runCount++;
                    runBytes += value.Length;
                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("nextOffset"u8):
                    reader.Read();
                    cursor.Offset = reader.GetInt64();
                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("highWatermark"u8):
                    reader.Read();
                    cursor.HighWatermark = reader.GetInt64();
                    break;
            }
        }
        if (runCount > 0) state.Consumed(runStamp, now, runCount, runBytes, measureLatency);
        return records;
    }
}
