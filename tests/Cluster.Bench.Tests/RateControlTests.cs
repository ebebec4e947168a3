using Cluster.Bench.Load;

namespace Cluster.Bench.Tests;

public class RateControlTests
{
    [Fact]
    public void One_lane_sends_are_evenly_spaced_from_the_start()
    {
        var s = new OpenLoopSchedule(requestsPerSecond: 100, lanes: 1, lane: 0, startMicros: 5_000);
        Assert.Equal(5_000, s.DueMicros(0));
        Assert.Equal(15_000, s.DueMicros(1));
        Assert.Equal(5_000 + 99 * 10_000, s.DueMicros(99));
    }

    [Fact]
    public void Lanes_share_the_rate_and_interleave()
    {
        const int lanes = 4;
        var schedules = Enumerable.Range(0, lanes).Select(l => new OpenLoopSchedule(1000, lanes, l, 0)).ToArray();
        var due = schedules.SelectMany(s => Enumerable.Range(0, 250).Select(n => s.DueMicros(n))).Order().ToArray();
        Assert.Equal(1000, due.Length);
        // Together: one send every millisecond, none twice.
        for (var i = 0; i < due.Length; i++) Assert.Equal(i * 1000L, due[i]);
    }

    [Fact]
    public void A_lane_that_fell_behind_owes_every_send_and_waits_for_none()
    {
        var s = new OpenLoopSchedule(1000, 1, 0, 0);
        // A 50 ms stall: at t = 50 ms, sends 0..50 are due; none is skipped, each is sent at once.
        Assert.Equal(51, s.DueBy(50_000));
        for (var n = 0; n <= 50; n++) Assert.Equal(0, s.WaitMicros(n, 50_000));
        Assert.Equal(1000, s.WaitMicros(51, 50_000));
    }

    [Fact]
    public void Nothing_is_due_before_the_start()
    {
        var s = new OpenLoopSchedule(10, 1, 0, 1_000_000);
        Assert.Equal(0, s.DueBy(999_999));
        Assert.Equal(1, s.DueBy(1_000_000));
        Assert.Equal(500_000, s.WaitMicros(0, 500_000));
    }

    [Fact]
    public void The_rate_over_a_long_run_is_the_target()
    {
        var s = new OpenLoopSchedule(requestsPerSecond: 20, lanes: 3, lane: 2, startMicros: 0);
        // 60 s: this lane's third of 20 requests/s.
        Assert.Equal(400, s.DueBy(60_000_000 - 1));
    }

    [Fact]
    public void Latency_counts_from_the_due_time_when_the_send_was_late()
    {
        // Due at 1 ms, held back by a full window until 40 ms, answered at 45 ms: 44 ms, not 5.
        Assert.Equal(44_000, Latency.Micros(dueMicros: 1_000, sentMicros: 40_000, completedMicros: 45_000));
    }

    [Fact]
    public void Latency_counts_from_the_send_when_it_went_out_early()
    {
        Assert.Equal(5_000, Latency.Micros(dueMicros: 10_500, sentMicros: 10_000, completedMicros: 15_000));
    }

    [Fact]
    public void The_send_budget_hands_out_exactly_its_requests()
    {
        var budget = new SendBudget(1000);
        var taken = 0;
        Parallel.For(0, 4, _ =>
        {
            while (budget.TryTake()) Interlocked.Increment(ref taken);
        });
        Assert.Equal(1000, taken);
    }

    [Fact]
    public void Bad_schedules_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenLoopSchedule(0, 1, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenLoopSchedule(10, 2, 2, 0));
    }
}
