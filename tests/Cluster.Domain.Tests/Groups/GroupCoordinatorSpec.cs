using Akka.Actor;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Xunit;
using static Cluster.Domain.Tests.Groups.GroupDriver;

namespace Cluster.Domain.Tests.Groups;

/// <summary>The coordinator actor over an in-memory log: write-before-answer, failure handling, recovery, group commit.</summary>
public sealed class GroupCoordinatorSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly InMemoryGroupLog _log = new();
    private readonly NoGroupRegistry _registry = new();
    private readonly GroupSettings _settings = GroupSettings.Default with
    {
        Policy = GroupPolicy.Default with { MinSessionTimeoutMs = 100 },
        TickInterval = TimeSpan.FromMilliseconds(20),
    };

    public GroupCoordinatorSpec() : base("akka.loglevel = WARNING") { }

    private IActorRef Coordinator(string group = "g") => Sys.ActorOf(GroupCoordinator.Props(group, new GroupCoordinatorContext(
        _log, _registry, t => t == "orders" ? 4 : null, _settings, 1, () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));

    private T Ask<T>(IActorRef coordinator, IGroupCommand command) where T : IGroupResult =>
        coordinator.Ask<T>(command, Wait).GetAwaiter().GetResult();

    private static CommitOffsets Commit(string? member, int? generation, int partition, long offset) =>
        new("g", member, generation, new[] { new OffsetCommit("orders", partition, offset, null) });

    private static long OffsetOf(FetchOffsetsResult result, int partition) =>
        result.Offsets.Single(o => o.Partition == new TopicPartition("orders", partition)).Offset.Offset;

    [Fact]
    public void Offsets_and_the_generation_survive_the_coordinator()
    {
        var first = Coordinator();
        var join = Ask<JoinGroupResult>(first, new JoinGroup("g", null, "a", new[] { "orders" }, 10_000, null));
        Assert.Equal(1, join.Generation);
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(first, Commit("a", 1, 2, 42)).Error);
        Sys.Stop(first);

        var second = Coordinator();
        var description = Ask<GroupDescription>(second, new DescribeGroup("g"));
        Assert.Equal(GroupPhase.Stable, description.Phase);
        Assert.Equal(1, description.Generation);
        Assert.Equal("a", description.Members.Single().MemberId);
        Assert.Equal(4, description.Members.Single().Assignment.Count);
        Assert.Equal(42, description.Offsets.Single().Offset.Offset);
        // The member carries on in its generation without rejoining.
        Assert.Equal(ErrorCode.None, Ask<HeartbeatResult>(second, new GroupHeartbeat("g", "a", 1)).Error);
        Assert.Contains("g", _registry.Registered);
    }

    [Fact]
    public void A_failed_write_is_answered_with_its_error_and_the_state_does_not_run_ahead()
    {
        var coordinator = Coordinator();
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(coordinator, Commit(null, null, 0, 10)).Error);

        _log.FailWritesWith = ErrorCode.NotEnoughReplicas;
        AssertError(ErrorCode.NotEnoughReplicas, Ask<GroupAck>(coordinator, Commit(null, null, 0, 20)));
        Assert.Equal(10, OffsetOf(Ask<FetchOffsetsResult>(coordinator, new FetchOffsets("g", null)), 0));

        _log.FailWritesWith = ErrorCode.None;
        Assert.Equal(ErrorCode.None, Ask<GroupAck>(coordinator, Commit(null, null, 0, 30)).Error);
        Assert.Equal(30, OffsetOf(Ask<FetchOffsetsResult>(coordinator, new FetchOffsets("g", null)), 0));
    }

    [Fact]
    public void A_refused_commit_writes_nothing()
    {
        var coordinator = Coordinator();
        Ask<JoinGroupResult>(coordinator, new JoinGroup("g", null, "a", new[] { "orders" }, 10_000, null));
        var writes = _log.WriteAttempts;
        AssertError(ErrorCode.IllegalGeneration, Ask<GroupAck>(coordinator, Commit("a", 7, 0, 1)));
        AssertError(ErrorCode.UnknownMemberId, Ask<GroupAck>(coordinator, Commit(null, null, 0, 1)));
        AssertError(ErrorCode.UnknownTopicOrPartition, Ask<GroupAck>(coordinator, Commit("a", 1, 9, 1)));
        Assert.Equal(writes, _log.WriteAttempts);
    }

    [Fact]
    public void Concurrent_commits_share_writes_and_each_is_answered_after_its_write()
    {
        var coordinator = Coordinator();
        Ask<GroupDescription>(coordinator, new DescribeGroup("g")); // loaded
        _log.WriteDelay = TimeSpan.FromMilliseconds(20);
        var commits = Enumerable.Range(1, 200)
            .Select(i => coordinator.Ask<GroupAck>(Commit(null, null, i % 4, i), Wait))
            .ToArray();
        Task.WaitAll(commits, Wait);
        Assert.All(commits, c => Assert.Equal(ErrorCode.None, c.Result.Error));
        Assert.True(_log.Writes < 50, $"{_log.Writes} writes for 200 commits");
        var offsets = Ask<FetchOffsetsResult>(coordinator, new FetchOffsets("g", "orders"));
        Assert.Equal(new long[] { 200, 197, 198, 199 }, Enumerable.Range(0, 4).Select(p => OffsetOf(offsets, p)));
    }

    [Fact]
    public void A_join_waits_for_the_rebalance_and_every_waiting_member_gets_the_new_generation()
    {
        var coordinator = Coordinator();
        Assert.Equal(1, Ask<JoinGroupResult>(coordinator, new JoinGroup("g", null, "a", new[] { "orders" }, 10_000, null)).Generation);

        var b = coordinator.Ask<JoinGroupResult>(new JoinGroup("g", null, "b", new[] { "orders" }, 10_000, null), Wait);
        AssertError(ErrorCode.RebalanceInProgress, Ask<HeartbeatResult>(coordinator, new GroupHeartbeat("g", "a", 1)));
        Assert.False(b.Wait(200));

        var a = Ask<JoinGroupResult>(coordinator, new JoinGroup("g", "a", "x", new[] { "orders" }, 10_000, null));
        Assert.True(b.Wait(Wait));
        Assert.Equal(2, a.Generation);
        Assert.Equal(2, b.Result.Generation);
        Assert.Empty(a.Assignment.Intersect(b.Result.Assignment));
        Assert.Equal(4, a.Assignment.Count + b.Result.Assignment.Count);
    }

    [Fact]
    public void A_silent_member_is_removed_after_its_session_timeout_and_the_survivor_takes_over()
    {
        var coordinator = Coordinator();
        Ask<JoinGroupResult>(coordinator, new JoinGroup("g", null, "a", new[] { "orders" }, 10_000, null));
        var b = coordinator.Ask<JoinGroupResult>(new JoinGroup("g", null, "b", new[] { "orders" }, 300, null), Wait);
        Ask<JoinGroupResult>(coordinator, new JoinGroup("g", "a", "x", new[] { "orders" }, 10_000, null));
        Assert.Equal(2, b.Result.Generation);

        // "b" never heartbeats again; "a" does, and rejoins when told to.
        var deadline = DateTime.UtcNow + Wait;
        HeartbeatResult heartbeat;
        while ((heartbeat = Ask<HeartbeatResult>(coordinator, new GroupHeartbeat("g", "a", null))).Error != ErrorCode.RebalanceInProgress)
        {
            Assert.True(DateTime.UtcNow < deadline, "b was never expired");
            Thread.Sleep(50);
        }
        var rejoined = Ask<JoinGroupResult>(coordinator, new JoinGroup("g", "a", "x", new[] { "orders" }, 10_000, null));
        Assert.Equal(3, rejoined.Generation);
        Assert.Equal(4, rejoined.Assignment.Count);
    }

    [Fact]
    public void A_rebalance_whose_write_fails_stays_unfinished_and_completes_once_the_log_takes_writes()
    {
        var coordinator = Coordinator();
        Ask<JoinGroupResult>(coordinator, new JoinGroup("g", null, "a", new[] { "orders" }, 10_000, null));
        var b = coordinator.Ask<JoinGroupResult>(new JoinGroup("g", null, "b", new[] { "orders" }, 10_000, null), Wait);
        _log.FailWritesWith = ErrorCode.NotEnoughReplicas;
        // The join that would complete the rebalance cannot write the new generation: it is
        // refused, the group stays in generation 1, and "b" keeps waiting.
        AssertError(ErrorCode.NotEnoughReplicas, Ask<JoinGroupResult>(coordinator, new JoinGroup("g", "a", "x", new[] { "orders" }, 10_000, null)));
        var description = Ask<GroupDescription>(coordinator, new DescribeGroup("g"));
        Assert.Equal(1, description.Generation);
        Assert.Equal(GroupPhase.PreparingRebalance, description.Phase);
        Assert.False(b.IsCompleted);

        _log.FailWritesWith = ErrorCode.None;
        var a = Ask<JoinGroupResult>(coordinator, new JoinGroup("g", "a", "x", new[] { "orders" }, 10_000, null));
        Assert.Equal(2, a.Generation);
        Assert.True(b.Wait(Wait));
        Assert.Equal(2, b.Result.Generation);
    }

    [Fact]
    public void Requests_wait_while_the_group_loads_and_a_failed_load_is_retried()
    {
        _log.FailLoads = true;
        var coordinator = Coordinator();
        AssertError(ErrorCode.CoordinatorLoadInProgress, Ask<GroupAck>(coordinator, Commit(null, null, 0, 1)));
        _log.FailLoads = false;
        _log.LoadDelay = TimeSpan.FromMilliseconds(300);
        var deadline = DateTime.UtcNow + Wait;
        GroupAck ack;
        while ((ack = Ask<GroupAck>(coordinator, Commit(null, null, 0, 1))).Error != ErrorCode.None)
            Assert.True(DateTime.UtcNow < deadline, ack.Message);
        Assert.True(_log.Loads >= 2);
    }
}
