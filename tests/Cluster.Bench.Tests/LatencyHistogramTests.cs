using Cluster.Bench.Stats;

namespace Cluster.Bench.Tests;

public class LatencyHistogramTests
{
    [Fact]
    public void An_empty_histogram_answers_zero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.TotalCount);
        Assert.Equal(0, h.ValueAtPercentile(99));
        Assert.Equal(0, h.Max);
        Assert.Equal(0, h.Mean);
    }

    [Fact]
    public void Small_values_are_exact()
    {
        var h = new LatencyHistogram();
        for (var v = 0; v < 2048; v++) h.Record(v);
        Assert.Equal(2048, h.TotalCount);
        Assert.Equal(1023, h.ValueAtPercentile(50));
        Assert.Equal(2047, h.ValueAtPercentile(100));
        Assert.Equal(0, h.ValueAtPercentile(0));
        Assert.Equal(2047, h.Max);
    }

    [Fact]
    public void Percentiles_of_a_uniform_spread_are_within_three_digits()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 1_000_000; v++) h.Record(v);
        AssertClose(500_000, h.ValueAtPercentile(50));
        AssertClose(990_000, h.ValueAtPercentile(99));
        AssertClose(999_000, h.ValueAtPercentile(99.9));
        Assert.Equal(1_000_000, h.Max);
        Assert.Equal(1, h.Min);
        Assert.Equal(500_000.5, h.Mean, 3);
    }

    [Fact]
    public void A_rare_outlier_shows_in_the_tail_and_the_max_only()
    {
        var h = new LatencyHistogram();
        h.Record(1_000, 999);
        h.Record(5_000_000);
        Assert.Equal(1_000, h.ValueAtPercentile(50));
        Assert.Equal(1_000, h.ValueAtPercentile(99));
        AssertClose(5_000_000, h.ValueAtPercentile(99.95));
        Assert.Equal(5_000_000, h.Max);
    }

    [Fact]
    public void Counts_weight_a_value()
    {
        var h = new LatencyHistogram();
        h.Record(10, 90);
        h.Record(20_000, 10);
        Assert.Equal(100, h.TotalCount);
        Assert.Equal(10, h.ValueAtPercentile(90));
        AssertClose(20_000, h.ValueAtPercentile(91));
    }

    [Fact]
    public void Values_beyond_the_range_count_at_its_top_and_keep_their_exact_max()
    {
        var h = new LatencyHistogram(highestTrackableValue: 10_000);
        h.Record(50_000);
        Assert.Equal(1, h.TotalCount);
        Assert.Equal(50_000, h.Max);
        Assert.True(h.ValueAtPercentile(100) >= 10_000);
    }

    [Fact]
    public void Negative_values_count_as_zero()
    {
        var h = new LatencyHistogram();
        h.Record(-5);
        Assert.Equal(0, h.ValueAtPercentile(100));
    }

    [Fact]
    public void Adding_merges_counts_max_and_mean()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(100, 50);
        b.Record(300, 50);
        a.Add(b);
        Assert.Equal(100, a.TotalCount);
        Assert.Equal(100, a.ValueAtPercentile(50));
        Assert.Equal(300, a.ValueAtPercentile(51));
        Assert.Equal(300, a.Max);
        Assert.Equal(200, a.Mean);
    }

    [Fact]
    public void Every_index_maps_back_to_a_value_that_maps_to_it()
    {
        for (var index = 0; index < 30_000; index++)
        {
            var value = LatencyHistogram.ValueAt(index);
            Assert.Equal(index, LatencyHistogram.IndexOf(value));
            Assert.Equal(index, LatencyHistogram.IndexOf(LatencyHistogram.HighestEquivalentValue(value)));
        }
    }

    [Fact]
    public void Recording_from_many_threads_loses_nothing()
    {
        var h = new LatencyHistogram();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 1; i <= 100_000; i++) h.Record(i % 5000);
        });
        Assert.Equal(800_000, h.TotalCount);
        Assert.Equal(4999, h.Max);
    }

    [Fact]
    public void A_summary_scales_microseconds_to_milliseconds()
    {
        var h = new LatencyHistogram();
        h.Record(1500, 100);
        var s = h.Summary(0.001);
        Assert.Equal(100, s.Count);
        Assert.Equal(1.5, s.P50, 2);
        Assert.Equal(1.5, s.Max, 3);
    }

    [Fact]
    public void The_recorder_hands_out_each_interval_once_and_keeps_the_total()
    {
        var r = new LatencyRecorder();
        r.Record(10);
        r.Record(20);
        Assert.Equal(2, r.TakeInterval().TotalCount);
        r.Record(30);
        Assert.Equal(1, r.TakeInterval().TotalCount);
        Assert.Equal(0, r.TakeInterval().TotalCount);
        Assert.Equal(3, r.Total.TotalCount);
    }

    private static void AssertClose(long expected, long actual) =>
        Assert.True(Math.Abs(actual - expected) <= expected / 1000.0 + 1, $"expected {expected} within 0.1%, got {actual}");
}
