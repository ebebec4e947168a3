using System.Diagnostics;

namespace Cluster.Bench.Load;

/// <summary>
/// Microseconds since the run's epoch, from the monotonic Stopwatch. Send times, acks and
/// the stamps inside record values all use it (the consumers run in the same process).
/// </summary>
public sealed class RunClock
{
    private readonly long _epoch = Stopwatch.GetTimestamp();
    private static readonly double MicrosPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public long NowMicros => (long)((Stopwatch.GetTimestamp() - _epoch) * MicrosPerTick);
}

/// <summary>
/// The open-loop rate controller of one producer lane: send n is due at
/// <c>start + phase + n * interval</c>, whatever happened to the sends before it. A lane that
/// fell behind (a slow answer, a full in-flight window, a GC pause) sends what is overdue at
/// once instead of skipping it, and latency is measured from the due time, not from when the
/// request finally went out: no coordinated omission (Gil Tene's term; wrk2 and HdrHistogram
/// do the same).
/// </summary>
public sealed class OpenLoopSchedule
{
    /// <param name="requestsPerSecond">All lanes together.</param>
    /// <param name="lanes">How many lanes share that rate (each gets an equal share, phased apart).</param>
    /// <param name="lane">This lane, 0-based.</param>
    /// <param name="startMicros">When send 0 of lane 0 is due.</param>
    public OpenLoopSchedule(double requestsPerSecond, int lanes, int lane, long startMicros)
    {
        if (requestsPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(requestsPerSecond));
        if (lanes <= 0 || lane < 0 || lane >= lanes) throw new ArgumentOutOfRangeException(nameof(lane));
        IntervalMicros = 1_000_000.0 * lanes / requestsPerSecond;
        StartMicros = startMicros + 1_000_000.0 * lane / requestsPerSecond;
    }

    public double IntervalMicros { get; }
    public double StartMicros { get; }

    /// <summary>When send <paramref name="n"/> (0-based) is due.</summary>
    public long DueMicros(long n) => (long)(StartMicros + n * IntervalMicros);

    /// <summary>How long to wait before send <paramref name="n"/>; zero when it is due or overdue.</summary>
    public long WaitMicros(long n, long nowMicros) => Math.Max(0, DueMicros(n) - nowMicros);

    /// <summary>Sends due by <paramref name="nowMicros"/> (so a lane can tell how far behind it is).</summary>
    public long DueBy(long nowMicros) =>
        nowMicros < StartMicros ? 0 : (long)Math.Floor((nowMicros - StartMicros) / IntervalMicros) + 1;
}

public static class Latency
{
    /// <summary>
    /// A request's latency: from when it was due (open loop) or sent (max rate), whichever is
    /// earlier, to its answer. Measuring from the due time counts the wait of a request held
    /// back by a slow system; a request sent early by timer granularity is measured from its send.
    /// </summary>
    public static long Micros(long dueMicros, long sentMicros, long completedMicros) =>
        Math.Max(0, completedMicros - Math.Min(dueMicros, sentMicros));
}
