using System.Collections.Immutable;
using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Xunit;
using static Cluster.Domain.Tests.Groups.GroupDriver;

namespace Cluster.Domain.Tests.Groups;

public sealed class GroupStateSpec
{
    // ---------------------------------------------------------------- join and rebalance

    [Fact]
    public void A_first_member_gets_generation_one_and_every_partition_at_once()
    {
        var g = new GroupDriver();
        Assert.Equal(GroupPhase.Dead, g.State.Phase);

        var decision = g.Join(null, "a");

        Assert.True(decision.MustPersist);
        Assert.Null(decision.Reply); // answered from the GenerationStarted once it is written
        var generation = Assert.IsType<GenerationStarted>(decision.Events.Last());
        Assert.Equal(1, generation.Generation);
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
        Assert.Equal(Enumerable.Range(0, 4).Select(p => new TopicPartition("orders", p)), g.AssignmentOf("a"));
        Assert.Equal("range", g.State.Protocol);
    }

    [Fact]
    public void A_new_member_starts_a_rebalance_that_completes_when_every_member_has_rejoined()
    {
        var g = new GroupDriver();
        g.Join(null, "a");

        var join = g.Join(null, "b");
        Assert.Null(join.Reply);
        Assert.False(join.MustPersist);
        Assert.Equal(GroupPhase.PreparingRebalance, g.State.Phase);
        Assert.Equal(1, g.State.Generation);

        // "a" learns of it from its heartbeat and rejoins with its member id.
        AssertError(ErrorCode.RebalanceInProgress, g.Heartbeat("a", 1));
        var rejoin = g.Join("a", "ignored");
        Assert.True(rejoin.MustPersist);
        Assert.Equal(2, Assert.IsType<GenerationStarted>(rejoin.Events.Last()).Generation);
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
        Assert.Equal(new[] { new TopicPartition("orders", 0), new TopicPartition("orders", 1) }, g.AssignmentOf("a"));
        Assert.Equal(new[] { new TopicPartition("orders", 2), new TopicPartition("orders", 3) }, g.AssignmentOf("b"));
        g.AssertAssignmentIsComplete();

        var heartbeat = g.Heartbeat("b", 2);
        Assert.Equal(ErrorCode.None, heartbeat.Error);
        Assert.Equal(2, heartbeat.Generation);
        Assert.Equal(g.AssignmentOf("b"), heartbeat.Assignment);
    }

    [Fact]
    public void A_known_member_rejoining_with_the_same_subscription_keeps_the_current_generation()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        var again = g.Join("a", "x");
        var result = Assert.IsType<JoinGroupResult>(again.Reply);
        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal(1, result.Generation);
        Assert.False(again.MustPersist);
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
    }

    [Fact]
    public void A_retried_join_with_the_same_new_member_id_is_the_same_member()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        g.Join(null, "b");
        g.Join(null, "b");
        Assert.Equal(new[] { "a", "b" }, g.State.Members.Keys);
        g.Join("a", "ignored");
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
        Assert.Equal(2, g.State.Generation);
    }

    [Fact]
    public void A_changed_subscription_starts_a_rebalance()
    {
        var g = new GroupDriver(new() { ["orders"] = 2, ["payments"] = 2 });
        g.Join(null, "a");
        g.Join("a", "x", topics: new[] { "orders", "payments" });
        Assert.Equal(GroupPhase.Stable, g.State.Phase); // alone: completes at once
        Assert.Equal(2, g.State.Generation);
        Assert.Equal(4, g.AssignmentOf("a").Count);
    }

    [Fact]
    public void A_changed_session_timeout_starts_a_rebalance_so_the_written_generation_holds_it()
    {
        var g = new GroupDriver();
        g.Join(null, "a", 10_000);
        g.Join("a", "x", 20_000);
        Assert.Equal(2, g.State.Generation);
        Assert.Equal(20_000, g.LastGeneration!.Members.Single().SessionTimeoutMs);
    }

    [Theory]
    [InlineData(5_999)]
    [InlineData(1_800_001)]
    public void A_session_timeout_out_of_bounds_is_refused(int sessionTimeoutMs)
    {
        var g = new GroupDriver();
        var decision = g.Join(null, "a", sessionTimeoutMs);
        AssertError(ErrorCode.InvalidSessionTimeout, decision.Reply);
        Assert.Empty(decision.Events);
        Assert.Equal(GroupPhase.Dead, g.State.Phase);
    }

    [Fact]
    public void Joins_with_bad_subscriptions_are_refused_without_effect()
    {
        var g = new GroupDriver();
        AssertError(ErrorCode.UnknownTopicOrPartition, g.Join(null, "a", topics: "nope").Reply);
        AssertError(ErrorCode.InvalidRequest, g.Process(new JoinGroup("g", null, "a", Array.Empty<string>(), 10_000, null)).Reply);
        AssertError(ErrorCode.InvalidRequest, g.Join(null, "a", assignor: "fastest").Reply);
        AssertError(ErrorCode.UnknownMemberId, g.Join("ghost", "a").Reply);
        Assert.Empty(g.Events);
    }

    [Fact]
    public void Members_agreeing_on_an_assignor_get_it_otherwise_the_group_default()
    {
        var g = new GroupDriver();
        g.Join(null, "a", assignor: "roundrobin");
        Assert.Equal("roundrobin", g.State.Protocol);
        g.Join(null, "b", assignor: "sticky");
        g.Join("a", "x", assignor: "roundrobin");
        Assert.Equal("range", g.State.Protocol);
    }

    // ---------------------------------------------------------------- leaving and dying

    [Fact]
    public void The_last_member_leaving_empties_the_group_in_a_new_generation()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        var leave = g.Process(new LeaveGroup("g", "a"));
        Assert.Equal(ErrorCode.None, leave.Reply!.Error);
        Assert.True(leave.MustPersist);
        Assert.Equal(GroupPhase.Empty, g.State.Phase);
        Assert.Equal(2, g.State.Generation);
        Assert.Empty(g.State.Members);

        AssertError(ErrorCode.UnknownMemberId, g.Process(new LeaveGroup("g", "a")).Reply);
    }

    [Fact]
    public void A_member_leaving_makes_the_others_rejoin()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        g.Join(null, "b");
        g.Join("a", "x");
        g.Process(new LeaveGroup("g", "b"));
        Assert.Equal(GroupPhase.PreparingRebalance, g.State.Phase);
        AssertError(ErrorCode.RebalanceInProgress, g.Heartbeat("a"));
        g.Join("a", "x");
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
        Assert.Equal(4, g.AssignmentOf("a").Count);
    }

    [Fact]
    public void A_member_that_stops_heartbeating_is_removed_after_its_session_timeout_and_the_survivor_gets_everything()
    {
        var g = new GroupDriver();
        g.Join(null, "a", 10_000);
        g.Join(null, "b", 6_000);
        g.Join("a", "x", 10_000);
        Assert.Equal(2, g.State.Generation);

        // "a" heartbeats every 2 s; "b" has died.
        for (var i = 0; i < 2; i++)
        {
            g.Now += 2_000;
            Assert.Equal(ErrorCode.None, g.Heartbeat("a", 2).Error);
            g.Tick();
        }
        g.Now += 1_999;
        g.Tick();
        Assert.True(g.State.Members.ContainsKey("b")); // 5.999 s: still within its session
        g.Now += 1;
        var expiry = g.Tick();
        Assert.Contains(expiry.Events, e => e is MemberRemoved { MemberId: "b", Reason: RemovalReason.SessionTimeout });
        Assert.Equal(GroupPhase.PreparingRebalance, g.State.Phase);

        AssertError(ErrorCode.RebalanceInProgress, g.Heartbeat("a", 2));
        g.Join("a", "x", 10_000);
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
        Assert.Equal(3, g.State.Generation);
        Assert.Equal(Enumerable.Range(0, 4).Select(p => new TopicPartition("orders", p)), g.AssignmentOf("a"));
    }

    [Fact]
    public void A_member_that_does_not_rejoin_is_dropped_at_the_rebalance_deadline()
    {
        var g = new GroupDriver();
        g.Join(null, "a", 30_000);
        g.Join(null, "b", 6_000); // rebalance; deadline = longest session = 30 s
        // "a" keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins.
        for (var t = 0; t < 30; t++)
        {
            g.Now += 1_000;
            if (t < 29) AssertError(ErrorCode.RebalanceInProgress, g.Heartbeat("a"));
            g.Tick();
        }
        Assert.DoesNotContain("a", g.State.Members.Keys);
        Assert.Contains(g.Events, e => e is MemberRemoved { MemberId: "a", Reason: RemovalReason.RebalanceTimeout });
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
        Assert.Equal(4, g.AssignmentOf("b").Count);
    }

    [Fact]
    public void A_member_waiting_in_a_join_is_not_expired_by_its_session()
    {
        var g = new GroupDriver();
        g.Join(null, "a", 30_000);
        g.Join(null, "b", 6_000);
        g.Now += 20_000; // "b" waits in its join far longer than its session timeout
        g.Tick();
        Assert.True(g.State.Members["b"].AwaitingJoin);
        g.Join("a", "x", 30_000);
        Assert.Equal(GroupPhase.Stable, g.State.Phase);
        Assert.Equal(2, g.State.Members.Count);
    }

    // ---------------------------------------------------------------- fencing

    [Fact]
    public void Heartbeats_are_fenced_by_member_and_generation()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        AssertError(ErrorCode.UnknownMemberId, g.Heartbeat("ghost"));
        AssertError(ErrorCode.IllegalGeneration, g.Heartbeat("a", 7));
        Assert.Equal(ErrorCode.None, g.Heartbeat("a", 1).Error);
        Assert.Equal(ErrorCode.None, g.Heartbeat("a").Error);
    }

    [Fact]
    public void A_commit_from_a_stale_generation_or_an_unknown_member_changes_nothing()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        g.Join(null, "b");
        g.Join("a", "x");
        var before = g.Events.Count;

        AssertError(ErrorCode.IllegalGeneration, g.Commit("a", 1, ("orders", 0, 10)));
        AssertError(ErrorCode.IllegalGeneration, g.Commit("a", null, ("orders", 0, 10)));
        AssertError(ErrorCode.UnknownMemberId, g.Commit("ghost", 2, ("orders", 0, 10)));
        AssertError(ErrorCode.UnknownMemberId, g.Commit(null, 2, ("orders", 0, 10)));
        AssertError(ErrorCode.UnknownMemberId, g.Commit(null, null, ("orders", 0, 10))); // not for a group with members
        Assert.Equal(before, g.Events.Count);
        Assert.Empty(g.State.Offsets);

        Assert.Equal(ErrorCode.None, g.Commit("a", 2, ("orders", 0, 10)).Error);
        Assert.Equal(10, g.State.Offsets[new TopicPartition("orders", 0)].Offset);
    }

    [Fact]
    public void A_member_of_the_current_generation_may_commit_while_the_group_rebalances()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        g.Join(null, "b");
        Assert.Equal(GroupPhase.PreparingRebalance, g.State.Phase);
        var commit = g.Process(new CommitOffsets("g", "a", 1, new[] { new OffsetCommit("orders", 1, 5, null) }));
        Assert.Equal(ErrorCode.None, commit.Reply!.Error);
        Assert.True(commit.MustPersist);
    }

    [Fact]
    public void A_simple_consumer_commits_to_a_group_without_members()
    {
        var g = new GroupDriver();
        var commit = g.Process(new CommitOffsets("g", null, null, new[] { new OffsetCommit("orders", 3, 42, "meta") }));
        Assert.Equal(ErrorCode.None, commit.Reply!.Error);
        var committed = Assert.IsType<OffsetsCommitted>(Assert.Single(commit.Events));
        Assert.Equal(new OffsetAndMetadata(42, "meta", g.Now), committed.Offsets.Single().Offset);
        Assert.Equal(GroupPhase.Empty, g.State.Phase);

        var fetched = Assert.IsType<FetchOffsetsResult>(g.Process(new FetchOffsets("g", "orders")).Reply);
        Assert.Equal(42, fetched.Offsets.Single().Offset.Offset);
        Assert.Empty(Assert.IsType<FetchOffsetsResult>(g.Process(new FetchOffsets("g", "other")).Reply).Offsets);
    }

    [Theory]
    [InlineData("nope", 0, 1L, ErrorCode.UnknownTopicOrPartition)]
    [InlineData("orders", 4, 1L, ErrorCode.UnknownTopicOrPartition)]
    [InlineData("orders", -1, 1L, ErrorCode.UnknownTopicOrPartition)]
    [InlineData("orders", 0, -1L, ErrorCode.InvalidRequest)]
    public void A_refused_commit_writes_nothing_not_even_its_valid_offsets(string topic, int partition, long offset, ErrorCode error)
    {
        var g = new GroupDriver();
        var decision = g.Process(new CommitOffsets("g", null, null,
            new[] { new OffsetCommit("orders", 0, 7, null), new OffsetCommit(topic, partition, offset, null) }));
        AssertError(error, decision.Reply);
        Assert.Empty(decision.Events);
        Assert.Empty(g.State.Offsets);
    }

    [Fact]
    public void Offset_metadata_is_bounded()
    {
        var g = new GroupDriver();
        var decision = g.Process(new CommitOffsets("g", null, null, new[] { new OffsetCommit("orders", 0, 7, new string('x', 4097)) }));
        AssertError(ErrorCode.OffsetMetadataTooLarge, decision.Reply);
    }

    // ---------------------------------------------------------------- recovery

    [Fact]
    public void Recovery_from_the_durable_events_gives_the_last_generation_with_fresh_sessions_and_the_offsets()
    {
        var g = new GroupDriver();
        g.Join(null, "a");
        g.Join(null, "b");
        g.Join("a", "x");
        g.Commit("a", 2, ("orders", 0, 11), ("orders", 1, 12));
        g.Commit("b", 2, ("orders", 0, 13));

        var durable = g.Events.Where(e => e is IDurableGroupEvent).ToList();
        var recovered = GroupState.Recover("g", durable, g.Now + 60_000);

        Assert.Equal(GroupPhase.Stable, recovered.Phase);
        Assert.Equal(2, recovered.Generation);
        Assert.Equal(g.State.Members.Keys, recovered.Members.Keys);
        Assert.All(recovered.Members.Values, m => Assert.Equal(g.Now + 60_000, m.LastHeartbeatMs));
        Assert.Equal(g.AssignmentOf("b"), recovered.Members["b"].Assignment);
        Assert.Equal(13, recovered.Offsets[new TopicPartition("orders", 0)].Offset);
        Assert.Equal(12, recovered.Offsets[new TopicPartition("orders", 1)].Offset);
    }

    [Fact]
    public void Tombstones_remove_offsets_and_membership()
    {
        var state = GroupState.Recover("g", new GroupEvent[]
        {
            new OffsetsCommitted(ImmutableArray.Create(new CommittedOffset(new TopicPartition("t", 0), new OffsetAndMetadata(1, "", 0)))),
            new GenerationStarted(3, "range", ImmutableArray.Create(new GroupMember("a", ImmutableArray.Create("t"), 10_000, null,
                ImmutableArray.Create(new TopicPartition("t", 0)), 0, false)), 0),
            new OffsetsRemoved(ImmutableArray.Create(new TopicPartition("t", 0))),
            new GroupMetadataRemoved(),
        }, 5);
        Assert.Equal(GroupPhase.Dead, state.Phase);
        Assert.Empty(state.Members);
        Assert.Empty(state.Offsets);
    }

    // ---------------------------------------------------------------- invariants under churn

    [Theory]
    [InlineData(1, "range")]
    [InlineData(2, "roundrobin")]
    [InlineData(3, "sticky")]
    [InlineData(4, "range")]
    public void Under_random_joins_leaves_deaths_and_heartbeats_a_stable_generation_never_shares_or_drops_a_partition(int seed, string assignor)
    {
        var random = new Random(seed);
        var topics = new Dictionary<string, int> { ["a"] = 3, ["b"] = 5, ["c"] = 1 };
        var g = new GroupDriver(topics, GroupPolicy.Default with { DefaultAssignor = assignor, MinSessionTimeoutMs = 1_000 });
        var alive = new HashSet<string>();
        var next = 0;
        var stableGenerations = 0;

        for (var step = 0; step < 600; step++)
        {
            g.Now += random.Next(0, 700);
            switch (random.Next(10))
            {
                case 0 or 1 when alive.Count < 6:
                    var id = $"m{next++}";
                    alive.Add(id);
                    g.Join(null, id, random.Next(1_000, 4_000), null, topics.Keys.Where(_ => random.Next(2) == 0).DefaultIfEmpty("a").ToArray());
                    break;
                case 2 when alive.Count > 0:
                    var leaving = alive.ElementAt(random.Next(alive.Count));
                    alive.Remove(leaving);
                    if (g.State.Members.ContainsKey(leaving)) g.Process(new LeaveGroup("g", leaving));
                    break;
                case 3 when alive.Count > 0:
                    alive.Remove(alive.ElementAt(random.Next(alive.Count))); // dies silently
                    break;
                default:
                    foreach (var member in alive.ToList())
                    {
                        if (!g.State.Members.TryGetValue(member, out var m))
                        {
                            alive.Remove(member); // it was expired: a real client would join again as a new member
                            continue;
                        }
                        var heartbeat = g.Heartbeat(member);
                        if (heartbeat.Error == ErrorCode.RebalanceInProgress)
                            g.Join(member, "x", m.SessionTimeoutMs, null, m.Topics.ToArray());
                    }
                    break;
            }
            g.Tick();
            if (g.State.Phase == GroupPhase.Stable)
            {
                stableGenerations++;
                g.AssertAssignmentIsComplete();
            }
            Assert.All(g.State.Members.Values, m => Assert.True(m.AwaitingJoin || !m.SessionExpired(g.Now)));
        }
        Assert.True(stableGenerations > 50, $"only {stableGenerations} stable steps");
        Assert.True(g.State.Generation > 10, $"only {g.State.Generation} generations");
    }
}
