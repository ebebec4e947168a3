using System.Numerics;

namespace Cluster.Bench.Stats;

/// <summary>
/// A log-linear histogram of non-negative integer values (microseconds here), laid out like
/// HdrHistogram: 2048 linear sub-buckets per power of two, so every recorded value is kept
/// to within 1/1024 (3 significant digits) from 1 up to <see cref="HighestTrackableValue"/>.
/// Recording is lock-free and safe from any thread; reading while others record gives a
/// consistent-enough view for progress lines (each count is exact once recording stops).
/// Values above the range are counted at the top of the range; the exact max is kept apart.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketHalfCountMagnitude = 10;
    private const int SubBucketHalfCount = 1 << SubBucketHalfCountMagnitude; // 1024
    private const int SubBucketCount = SubBucketHalfCount * 2; // 2048
    private const long SubBucketMask = SubBucketCount - 1;
    private const int LeadingZeroCountBase = 64 - SubBucketHalfCountMagnitude - 1;

    private readonly long[] _counts;
    private long _total;
    private long _sum;
    private long _max = long.MinValue;
    private long _min = long.MaxValue;

    /// <param name="highestTrackableValue">Largest value kept to 3 digits (default: one hour in microseconds).</param>
    public LatencyHistogram(long highestTrackableValue = 3_600_000_000L)
    {
        if (highestTrackableValue < SubBucketCount) throw new ArgumentOutOfRangeException(nameof(highestTrackableValue));
        HighestTrackableValue = highestTrackableValue;
        long smallestUntrackable = SubBucketCount;
        var buckets = 1;
        while (smallestUntrackable <= highestTrackableValue && smallestUntrackable < long.MaxValue / 2)
        {
            smallestUntrackable <<= 1;
            buckets++;
        }
        _counts = new long[(buckets + 1) * SubBucketHalfCount];
    }

    public long HighestTrackableValue { get; }
    public long TotalCount => Volatile.Read(ref _total);
    public long Max => TotalCount == 0 ? 0 : Volatile.Read(ref _max);
    public long Min => TotalCount == 0 ? 0 : Volatile.Read(ref _min);
    public double Mean => TotalCount == 0 ? 0 : (double)Volatile.Read(ref _sum) / TotalCount;

    public void Record(long value, long count = 1)
    {
        if (count <= 0) return;
        if (value < 0) value = 0;
        var index = IndexOf(Math.Min(value, HighestTrackableValue));
        Interlocked.Add(ref _counts[index], count);
        Interlocked.Add(ref _total, count);
        Interlocked.Add(ref _sum, value * count);
        UpdateMax(value);
        UpdateMin(value);
    }

    /// <summary>The value at or below which <paramref name="percentile"/> % of the recorded values fall (0 when empty).</summary>
    public long ValueAtPercentile(double percentile)
    {
        var total = TotalCount;
        if (total == 0) return 0;
        percentile = Math.Clamp(percentile, 0, 100);
        var wanted = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= wanted)
            {
                // The highest value this bucket stands for, but never above the real max.
                return Math.Min(HighestEquivalentValue(ValueAt(i)), Max);
            }
        }
        return Max;
    }

    /// <summary>Adds every count of <paramref name="other"/> to this one.</summary>
    public void Add(LatencyHistogram other)
    {
        if (other._counts.Length != _counts.Length) throw new ArgumentException("histograms of different ranges", nameof(other));
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref other._counts[i]);
            if (c != 0) Interlocked.Add(ref _counts[i], c);
        }
        if (other.TotalCount == 0) return;
        Interlocked.Add(ref _total, other.TotalCount);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        UpdateMax(other.Max);
        UpdateMin(other.Min);
    }

    public LatencySummary Summary(double scale = 1.0) => new(
        TotalCount,
        ValueAtPercentile(50) * scale,
        ValueAtPercentile(99) * scale,
        ValueAtPercentile(99.9) * scale,
        Max * scale,
        Mean * scale);

    internal static int IndexOf(long value)
    {
        var bucket = LeadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask));
        var subBucket = (int)(value >> bucket);
        return ((bucket + 1) << SubBucketHalfCountMagnitude) + (subBucket - SubBucketHalfCount);
    }

    internal static long ValueAt(int index)
    {
        var bucket = (index >> SubBucketHalfCountMagnitude) - 1;
        var subBucket = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            subBucket -= SubBucketHalfCount;
            bucket = 0;
        }
        return (long)subBucket << bucket;
    }

    internal static long HighestEquivalentValue(long value)
    {
        var bucket = LeadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask));
        var subBucket = (int)(value >> bucket);
        var adjustedBucket = subBucket >= SubBucketCount ? bucket + 1 : bucket;
        var lowest = (long)subBucket << bucket;
        return lowest + (1L << adjustedBucket) - 1;
    }

    private void UpdateMax(long value)
    {
        var current = Volatile.Read(ref _max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    private void UpdateMin(long value)
    {
        var current = Volatile.Read(ref _min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}

/// <summary>Percentiles of one histogram, in the unit asked for (milliseconds in results).</summary>
public readonly record struct LatencySummary(long Count, double P50, double P99, double P999, double Max, double Mean);

/// <summary>
/// A cumulative histogram plus an interval one that the progress line swaps out every second.
/// </summary>
public sealed class LatencyRecorder
{
    private LatencyHistogram _interval = new();

    public LatencyHistogram Total { get; } = new();

    public void Record(long micros, long count = 1)
    {
        Total.Record(micros, count);
        Volatile.Read(ref _interval).Record(micros, count);
    }

    /// <summary>What was recorded since the last call (a recording racing the swap may land in either).</summary>
    public LatencyHistogram TakeInterval() => Interlocked.Exchange(ref _interval, new LatencyHistogram());
}
