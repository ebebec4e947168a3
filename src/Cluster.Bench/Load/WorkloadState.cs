using System.Collections.Concurrent;
using Cluster.Bench.Stats;

namespace Cluster.Bench.Load;

/// <summary>One produce request as it went, kept when a scenario needs the timeline (failover).</summary>
public readonly record struct RequestOutcome(long DueMicros, long SentMicros, long CompletedMicros, int Partition, bool Ok, string? Error);

/// <summary>
/// What producers and consumers of one run share: the clock, the measurement window, the
/// histograms and counters. Only requests due inside the window (after the warmup) are
/// measured; throughput counts acknowledgements that arrive inside it.
/// </summary>
public sealed class WorkloadState
{
    private long _recordsAcked;
    private long _requestsAcked;
    private long _requestsFailed;
    private long _recordsConsumed;
    private long _bytesConsumed;
    private long _intervalRecordsAcked;
    private long _intervalRecordsConsumed;
    private long _intervalFailures;
    private int _inFlight;
    private readonly ConcurrentDictionary<string, long> _errors = new();
    private ConcurrentQueue<RequestOutcome>? _timeline;

    public WorkloadState(RunClock clock, long measureStartMicros, long measureEndMicros, int recordsPerRequest, int recordSize)
    {
        Clock = clock;
        MeasureStartMicros = measureStartMicros;
        MeasureEndMicros = measureEndMicros;
        RecordsPerRequest = recordsPerRequest;
        RecordSize = recordSize;
    }

    public RunClock Clock { get; }
    public long MeasureStartMicros { get; }
    public long MeasureEndMicros { get; }
    public int RecordsPerRequest { get; }
    public int RecordSize { get; }

    public LatencyRecorder Produce { get; } = new();
    public LatencyRecorder EndToEnd { get; } = new();

    public long RecordsAcked => Volatile.Read(ref _recordsAcked);
    public long RequestsAcked => Volatile.Read(ref _requestsAcked);
    public long RequestsFailed => Volatile.Read(ref _requestsFailed);
    public long RecordsConsumed => Volatile.Read(ref _recordsConsumed);
    public long BytesConsumed => Volatile.Read(ref _bytesConsumed);
    public int InFlight => Volatile.Read(ref _inFlight);
    public IReadOnlyDictionary<string, long> Errors => _errors;

    /// <summary>Every request from now on is also kept in <see cref="Timeline"/>.</summary>
    public void KeepTimeline() => _timeline ??= new ConcurrentQueue<RequestOutcome>();
    public IReadOnlyCollection<RequestOutcome> Timeline => (IReadOnlyCollection<RequestOutcome>?)_timeline ?? Array.Empty<RequestOutcome>();

    public bool InWindow(long micros) => micros >= MeasureStartMicros && micros < MeasureEndMicros;

    public void Sending() => Interlocked.Increment(ref _inFlight);

    public void Produced(in RequestOutcome outcome, int records)
    {
        Interlocked.Decrement(ref _inFlight);
        _timeline?.Enqueue(outcome);
        if (!outcome.Ok)
        {
            _errors.AddOrUpdate(outcome.Error ?? "error", 1, (_, n) => n + 1);
            Interlocked.Increment(ref _intervalFailures);
            if (InWindow(outcome.DueMicros)) Interlocked.Increment(ref _requestsFailed);
            return;
        }
        Interlocked.Add(ref _intervalRecordsAcked, records);
        if (InWindow(outcome.CompletedMicros))
        {
            Interlocked.Add(ref _recordsAcked, records);
            Interlocked.Increment(ref _requestsAcked);
        }
        if (InWindow(outcome.DueMicros))
            Produce.Record(Latency.Micros(outcome.DueMicros, outcome.SentMicros, outcome.CompletedMicros));
    }

    /// <summary><paramref name="count"/> records stamped <paramref name="stampMicros"/> arrived at a consumer now.</summary>
    public void Consumed(long stampMicros, long nowMicros, int count, long bytes, bool measureLatency)
    {
        Interlocked.Add(ref _intervalRecordsConsumed, count);
        if (InWindow(nowMicros))
        {
            Interlocked.Add(ref _recordsConsumed, count);
            Interlocked.Add(ref _bytesConsumed, bytes);
        }
        if (measureLatency && stampMicros >= 0 && InWindow(stampMicros))
            EndToEnd.Record(nowMicros - stampMicros, count);
    }

    /// <summary>Counts since the last call, for the progress line.</summary>
    public (long Acked, long Consumed, long Failures) TakeInterval() => (
        Interlocked.Exchange(ref _intervalRecordsAcked, 0),
        Interlocked.Exchange(ref _intervalRecordsConsumed, 0),
        Interlocked.Exchange(ref _intervalFailures, 0));
}
