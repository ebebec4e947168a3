using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Xunit;

namespace Cluster.Domain.Tests.Groups;

/// <summary>
/// Drives a <see cref="GroupState"/> as the coordinator would, with every decision taking
/// effect (as after a successful write), a hand-moved clock and fixed topics.
/// </summary>
internal sealed class GroupDriver
{
    public GroupDriver(Dictionary<string, int>? topics = null, GroupPolicy? policy = null)
    {
        Topics = topics ?? new Dictionary<string, int> { ["orders"] = 4 };
        Policy = policy ?? GroupPolicy.Default;
        State = GroupState.Initial("g");
    }

    public Dictionary<string, int> Topics { get; }
    public GroupPolicy Policy { get; }
    public GroupState State { get; private set; }
    public long Now { get; set; } = 1_000_000;
    public List<GroupEvent> Events { get; } = new();

    public GroupContext Context => new(Now, t => Topics.TryGetValue(t, out var n) ? n : null, Policy);

    public GroupDecision Process(object command)
    {
        var decision = State.Process(command, Context);
        // Apply must give what the decision says: the actor relies on it when it replays.
        var replayed = decision.Events.Aggregate(State, (s, e) => s.Apply(e));
        Assert.Equal(decision.State.Phase, replayed.Phase);
        Assert.Equal(decision.State.Generation, replayed.Generation);
        Assert.Equal(decision.State.Members.Keys, replayed.Members.Keys);
        State = decision.State;
        Events.AddRange(decision.Events);
        return decision;
    }

    public GroupDecision Join(string? memberId, string newMemberId, int sessionTimeoutMs = 10_000, string? assignor = null, params string[] topics) =>
        Process(new JoinGroup("g", memberId, newMemberId, topics.Length == 0 ? new[] { "orders" } : topics, sessionTimeoutMs, assignor));

    /// <summary>A new member joins; returns its generation when the join completed at once.</summary>
    public JoinGroupResult? JoinNew(string id, int sessionTimeoutMs = 10_000, string? assignor = null, params string[] topics) =>
        (JoinGroupResult?)Join(null, id, sessionTimeoutMs, assignor, topics).Reply;

    public HeartbeatResult Heartbeat(string memberId, int? generation = null) =>
        (HeartbeatResult)Process(new GroupHeartbeat("g", memberId, generation)).Reply!;

    public GroupAck Commit(string? memberId, int? generation, params (string Topic, int Partition, long Offset)[] offsets) =>
        (GroupAck)Process(new CommitOffsets("g", memberId, generation,
            offsets.Select(o => new OffsetCommit(o.Topic, o.Partition, o.Offset, "m")).ToList())).Reply!;

    public GroupDecision Tick() => Process(GroupTick.Instance);

    public GenerationStarted? LastGeneration => Events.OfType<GenerationStarted>().LastOrDefault();

    public IReadOnlyList<TopicPartition> AssignmentOf(string memberId) => State.Members[memberId].Assignment;

    /// <summary>No partition twice, none missing, only to subscribers.</summary>
    public void AssertAssignmentIsComplete()
    {
        var assigned = State.Members.Values.SelectMany(m => m.Assignment.Select(tp => (m, tp))).ToList();
        Assert.Equal(assigned.Count, assigned.Select(a => a.tp).Distinct().Count());
        foreach (var (member, tp) in assigned) Assert.Contains(tp.Topic, member.Topics);
        var subscribed = State.Members.Values.SelectMany(m => m.Topics).Distinct()
            .SelectMany(t => Enumerable.Range(0, Topics.GetValueOrDefault(t)).Select(p => new TopicPartition(t, p)));
        Assert.Equal(subscribed.Order(TopicPartitionOrder.Instance), assigned.Select(a => a.tp).Order(TopicPartitionOrder.Instance));
    }

    public static void AssertError(ErrorCode expected, IGroupResult? result)
    {
        Assert.NotNull(result);
        Assert.True(expected == result!.Error, $"expected {expected.KafkaName()}, got {result.Error.KafkaName()}: {result.Message}");
    }
}
