using System.Collections.Immutable;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Groups;

/// <summary>The rules the pure state machine needs from the configuration (see <see cref="GroupSettings"/>).</summary>
public sealed record GroupPolicy(int MinSessionTimeoutMs, int MaxSessionTimeoutMs, string DefaultAssignor, int MaxMetadataBytes)
{
    public static readonly GroupPolicy Default = new(6_000, 1_800_000, RangeAssignor.AssignorName, 4096);
}

/// <summary>What a decision may look at besides the state: the time, the topics' partition counts, the rules.</summary>
public readonly record struct GroupContext(long NowMs, Func<string, int?> PartitionCount, GroupPolicy Policy);

/// <summary>Internal command: check sessions and the rebalance deadline (the coordinator sends it to itself periodically).</summary>
public sealed record GroupTick
{
    public static readonly GroupTick Instance = new();
}

/// <summary>
/// The outcome of one command: the events (applied in order they give <see cref="State"/>)
/// and the answer to the requester. A null <see cref="Reply"/> is a join that waits for its
/// rebalance to complete: it is answered from a later <see cref="GenerationStarted"/> (or
/// <see cref="MemberRemoved"/>).
/// </summary>
public sealed record GroupDecision(GroupState State, ImmutableArray<GroupEvent> Events, IGroupResult? Reply)
{
    public bool MustPersist => Events.Any(e => e is IDurableGroupEvent);
}

/// <summary>
/// One consumer group, as Kafka's GroupCoordinator keeps it, as an immutable value:
/// <see cref="Process"/> decides (validation, fencing, membership, rebalancing, offsets) and
/// returns events; <see cref="Apply"/> folds an event. No actor, no I/O, no clock: the
/// coordinator actor persists the durable events and replies, and specs drive this directly.
///
/// Rebalancing follows Kafka's eager protocol with the assignment done here (the HTTP API has
/// no SyncGroup): a new member, a leave or an expired session moves the group to
/// PreparingRebalance; the others learn it from their heartbeat (REBALANCE_IN_PROGRESS) and
/// rejoin; when all have rejoined, or at the deadline (the longest session timeout of the
/// members) without those that did not, the next generation starts with a fresh assignment.
/// </summary>
public sealed record GroupState(
    string GroupId,
    GroupPhase Phase,
    int Generation,
    string? Protocol,
    ImmutableSortedDictionary<string, GroupMember> Members,
    ImmutableSortedDictionary<TopicPartition, OffsetAndMetadata> Offsets,
    long RebalanceDeadlineMs)
{
    /// <summary>
    /// Offsets of open transactions, per producer id (Kafka's pending transactional offset
    /// commits): durable, rebuilt on recovery, never answered by an offset fetch; they join
    /// <see cref="Offsets"/> when their transaction commits and are dropped when it aborts.
    /// </summary>
    public ImmutableDictionary<long, PendingTxnOffsets> PendingTransactions { get; init; } = ImmutableDictionary<long, PendingTxnOffsets>.Empty;

    public static GroupState Initial(string groupId) => new(
        groupId, GroupPhase.Dead, 0, null,
        ImmutableSortedDictionary.Create<string, GroupMember>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<TopicPartition, OffsetAndMetadata>(TopicPartitionOrder.Instance),
        0);

    /// <summary>
    /// The group as its log left it. Members of the last generation get a fresh session from
    /// <paramref name="nowMs"/>: a coordinator that moved must not expire them for the time it
    /// was away (Kafka does the same on loading).
    /// </summary>
    public static GroupState Recover(string groupId, IEnumerable<GroupEvent> events, long nowMs)
    {
        var state = Initial(groupId);
        foreach (var e in events) state = state.Apply(e);
        return state with
        {
            Members = state.Members.ToImmutableSortedDictionary(
                m => m.Key, m => m.Value with { LastHeartbeatMs = nowMs, AwaitingJoin = false }, StringComparer.Ordinal),
        };
    }

    // ---------------------------------------------------------------- apply

    public GroupState Apply(GroupEvent e) => e switch
    {
        MemberJoined j => this with { Members = Members.SetItem(j.Member.MemberId, j.Member) },
        RebalanceStarted r => this with { Phase = GroupPhase.PreparingRebalance, RebalanceDeadlineMs = r.DeadlineMs },
        MemberHeartbeat h => Members.TryGetValue(h.MemberId, out var m)
            ? this with { Members = Members.SetItem(h.MemberId, m with { LastHeartbeatMs = Math.Max(m.LastHeartbeatMs, h.AtMs) }) }
            : this,
        MemberRemoved r => this with { Members = Members.Remove(r.MemberId) },
        GenerationStarted g => this with
        {
            Phase = g.Members.IsEmpty ? GroupPhase.Empty : GroupPhase.Stable,
            Generation = g.Generation,
            Protocol = g.Protocol,
            Members = g.Members.ToImmutableSortedDictionary(
                m => m.MemberId, m => m with { AwaitingJoin = false, LastHeartbeatMs = g.AtMs }, StringComparer.Ordinal),
            RebalanceDeadlineMs = 0,
        },
        OffsetsCommitted c => this with
        {
            Phase = Phase == GroupPhase.Dead ? GroupPhase.Empty : Phase,
            Offsets = Offsets.SetItems(c.Offsets.Select(o => KeyValuePair.Create(o.Partition, o.Offset))),
        },
        OffsetsRemoved r => this with { Offsets = Offsets.RemoveRange(r.Partitions) },
        TxnOffsetsPending p => ApplyPending(p),
        TxnOffsetsCompleted c => ApplyCompleted(c),
        GroupMetadataRemoved => this with
        {
            Phase = Offsets.IsEmpty ? GroupPhase.Dead : GroupPhase.Empty,
            Protocol = null,
            Members = Members.Clear(),
            RebalanceDeadlineMs = 0,
        },
        _ => throw new ArgumentException($"Unknown group event {e.GetType().Name}", nameof(e)),
    };

    private GroupState ApplyPending(TxnOffsetsPending p)
    {
        var offsets = p.Offsets.Select(o => KeyValuePair.Create(o.Partition, o.Offset));
        var pending = PendingTransactions.GetValueOrDefault(p.ProducerId);
        if (pending is not null && pending.TransactionNumber > p.TransactionNumber) return this; // word from an older transaction
        var merged = pending is not null && pending.TransactionNumber == p.TransactionNumber
            ? pending with { Offsets = pending.Offsets.SetItems(offsets) }
            : new PendingTxnOffsets(p.ProducerEpoch, p.TransactionNumber,
                ImmutableSortedDictionary.CreateRange(TopicPartitionOrder.Instance, offsets));
        return this with
        {
            Phase = Phase == GroupPhase.Dead ? GroupPhase.Empty : Phase,
            PendingTransactions = PendingTransactions.SetItem(p.ProducerId, merged),
        };
    }

    private GroupState ApplyCompleted(TxnOffsetsCompleted c)
    {
        if (!PendingTransactions.TryGetValue(c.ProducerId, out var pending) || pending.TransactionNumber > c.TransactionNumber) return this;
        // The pending offsets are this transaction's, or an older one's that arrived after it ended (dropped either way).
        var commits = c.Committed && pending.TransactionNumber == c.TransactionNumber;
        return this with
        {
            Offsets = commits ? Offsets.SetItems(pending.Offsets) : Offsets,
            PendingTransactions = PendingTransactions.Remove(c.ProducerId),
        };
    }

    // ---------------------------------------------------------------- decide

    public GroupDecision Process(object command, GroupContext context)
    {
        var decision = new Decider(this, context);
        var reply = command switch
        {
            JoinGroup join => decision.Join(join),
            GroupHeartbeat heartbeat => decision.Heartbeat(heartbeat),
            LeaveGroup leave => decision.Leave(leave),
            CommitOffsets commit => decision.Commit(commit),
            TxnCommitOffsets commit => decision.TxnCommit(commit),
            CompleteTxnOffsets complete => decision.CompleteTxn(complete),
            FetchOffsets fetch => FetchOffsetsOf(fetch.Topic),
            DescribeGroup => Describe(-1),
            GroupTick => decision.Tick(),
            _ => throw new ArgumentException($"Unknown group command {command.GetType().Name}", nameof(command)),
        };
        return new GroupDecision(decision.State, decision.Events.ToImmutableArray(), reply);
    }

    public FetchOffsetsResult FetchOffsetsOf(string? topic) => new(ErrorCode.None, null,
        Offsets.Where(o => topic is null || o.Key.Topic == topic).Select(o => new CommittedOffset(o.Key, o.Value)).ToList());

    public GroupDescription Describe(int coordinatorBrokerId) => new(
        ErrorCode.None, null, GroupId, Phase, Generation, Protocol,
        Members.Values.Select(m => new MemberDescription(m.MemberId, m.Topics, m.SessionTimeoutMs, m.Assignment)).ToList(),
        Offsets.Select(o => new CommittedOffset(o.Key, o.Value)).ToList(),
        coordinatorBrokerId);

    /// <summary>Builds one decision: every emitted event is applied at once, so later rules see its effect.</summary>
    private sealed class Decider
    {
        private readonly GroupContext _context;

        public Decider(GroupState state, GroupContext context)
        {
            State = state;
            _context = context;
        }

        public GroupState State { get; private set; }
        public List<GroupEvent> Events { get; } = new();
        private long Now => _context.NowMs;
        private GroupPolicy Policy => _context.Policy;

        private void Emit(GroupEvent e)
        {
            Events.Add(e);
            State = State.Apply(e);
        }

        // ---- join

        public IGroupResult? Join(JoinGroup join)
        {
            var memberId = join.MemberId ?? join.NewMemberId;
            if (join.SessionTimeoutMs < Policy.MinSessionTimeoutMs || join.SessionTimeoutMs > Policy.MaxSessionTimeoutMs)
                return JoinGroupResult.Failed(ErrorCode.InvalidSessionTimeout,
                    $"sessionTimeoutMs {join.SessionTimeoutMs} is outside the allowed range [{Policy.MinSessionTimeoutMs}, {Policy.MaxSessionTimeoutMs}]");
            if (join.Topics.Count == 0)
                return JoinGroupResult.Failed(ErrorCode.InvalidRequest, "A member must subscribe to at least one topic");
            if (join.Assignor is not null && !PartitionAssignors.IsKnown(join.Assignor))
                return JoinGroupResult.Failed(ErrorCode.InvalidRequest,
                    $"Unknown assignor '{join.Assignor}'; known: {string.Join(", ", PartitionAssignors.Names)}");
            foreach (var topic in join.Topics)
                if (_context.PartitionCount(topic) is null)
                    return JoinGroupResult.Failed(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' does not exist");
            if (string.IsNullOrEmpty(memberId))
                return JoinGroupResult.Failed(ErrorCode.InvalidRequest, "The member id must not be empty");

            var existing = State.Members.GetValueOrDefault(memberId);
            if (join.MemberId is not null && existing is null)
                return JoinGroupResult.Failed(ErrorCode.UnknownMemberId,
                    $"Member '{join.MemberId}' is not a member of group '{State.GroupId}' (its session may have expired); join again without a memberId");

            var topics = join.Topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
            if (State.Phase == GroupPhase.Stable && existing is not null && existing.Topics.SequenceEqual(topics) &&
                existing.Assignor == join.Assignor && existing.SessionTimeoutMs == join.SessionTimeoutMs)
            {
                // Nothing changed for this member (a retried join, or a client that rejoins
                // out of caution): the current generation stands, as Kafka answers a follower.
                Emit(new MemberHeartbeat(memberId, Now));
                return new JoinGroupResult(ErrorCode.None, null, memberId, State.Generation, existing.Assignment);
            }

            var wasPreparing = State.Phase == GroupPhase.PreparingRebalance;
            Emit(new MemberJoined(new GroupMember(memberId, topics, join.SessionTimeoutMs, join.Assignor,
                existing?.Assignment ?? ImmutableArray<TopicPartition>.Empty, Now, AwaitingJoin: true)));
            var deadline = Now + State.Members.Values.Max(m => m.SessionTimeoutMs);
            if (!wasPreparing)
                Emit(new RebalanceStarted(deadline, existing is null ? $"member {memberId} joined" : $"member {memberId} changed its subscription or session"));
            else if (deadline > State.RebalanceDeadlineMs && existing is null)
                Emit(new RebalanceStarted(deadline, $"member {memberId} joined with a longer session timeout"));
            TryCompleteRebalance();
            return null;
        }

        // ---- heartbeat

        public IGroupResult Heartbeat(GroupHeartbeat heartbeat)
        {
            if (!State.Members.TryGetValue(heartbeat.MemberId, out var member))
                return HeartbeatResult.Failed(ErrorCode.UnknownMemberId,
                    $"Member '{heartbeat.MemberId}' is not a member of group '{State.GroupId}'; join again without a memberId");
            if (heartbeat.Generation is { } generation && generation != State.Generation)
                return HeartbeatResult.Failed(ErrorCode.IllegalGeneration,
                    $"Generation {generation} is not the group's current generation {State.Generation}; join again with your memberId");
            Emit(new MemberHeartbeat(member.MemberId, Now));
            if (State.Phase == GroupPhase.PreparingRebalance)
                return HeartbeatResult.Failed(ErrorCode.RebalanceInProgress,
                    $"Group '{State.GroupId}' is rebalancing; join again with your memberId");
            return new HeartbeatResult(ErrorCode.None, null, State.Generation, member.Assignment);
        }

        // ---- leave

        public IGroupResult Leave(LeaveGroup leave)
        {
            if (!State.Members.ContainsKey(leave.MemberId))
                return new GroupAck(ErrorCode.UnknownMemberId, $"Member '{leave.MemberId}' is not a member of group '{State.GroupId}'");
            Emit(new MemberRemoved(leave.MemberId, RemovalReason.Left));
            AfterMemberLoss($"member {leave.MemberId} left");
            return GroupAck.Ok;
        }

        // ---- time

        public IGroupResult? Tick()
        {
            var expired = State.Members.Values.Where(m => m.SessionExpired(Now)).Select(m => m.MemberId).ToList();
            foreach (var memberId in expired) Emit(new MemberRemoved(memberId, RemovalReason.SessionTimeout));
            if (expired.Count > 0) AfterMemberLoss($"session of {string.Join(", ", expired)} expired");
            else TryCompleteRebalance();
            return null;
        }

        private void AfterMemberLoss(string reason)
        {
            if (State.Phase == GroupPhase.Stable)
                Emit(new RebalanceStarted(Now + (State.Members.IsEmpty ? 0 : State.Members.Values.Max(m => m.SessionTimeoutMs)), reason));
            TryCompleteRebalance();
        }

        /// <summary>Complete the rebalance when every member has rejoined, or at the deadline without those that have not.</summary>
        private void TryCompleteRebalance()
        {
            if (State.Phase != GroupPhase.PreparingRebalance) return;
            var missing = State.Members.Values.Where(m => !m.AwaitingJoin).Select(m => m.MemberId).ToList();
            if (missing.Count > 0 && Now < State.RebalanceDeadlineMs) return;
            foreach (var memberId in missing) Emit(new MemberRemoved(memberId, RemovalReason.RebalanceTimeout));

            var members = State.Members.Values.ToList();
            var protocol = members.Count == 0 ? null : ChooseProtocol(members);
            var assignment = members.Count == 0
                ? new Dictionary<string, ImmutableArray<TopicPartition>>()
                : PartitionAssignors.Get(protocol!).Assign(
                    members.Select(m => new AssignorMember(m.MemberId, m.Topics, m.Assignment)).ToList(),
                    _context.PartitionCount);
            Emit(new GenerationStarted(State.Generation + 1, protocol,
                members.Select(m => m with
                {
                    Assignment = assignment.GetValueOrDefault(m.MemberId, ImmutableArray<TopicPartition>.Empty),
                    AwaitingJoin = false,
                    LastHeartbeatMs = Now,
                }).ToImmutableArray(),
                Now));
        }

        /// <summary>The strategy every member asked for, when they agree; otherwise the group default.</summary>
        private string ChooseProtocol(IReadOnlyList<GroupMember> members)
        {
            var first = members[0].Assignor;
            return first is not null && members.All(m => m.Assignor == first) ? first : Policy.DefaultAssignor;
        }

        // ---- offsets

        public IGroupResult Commit(CommitOffsets commit)
        {
            if (ValidateOffsets(commit.Offsets) is { } invalid) return invalid;
            var simple = commit.MemberId is null && commit.Generation is null or < 0;
            if (simple)
            {
                if (!State.Members.IsEmpty)
                    return new GroupAck(ErrorCode.UnknownMemberId,
                        $"Group '{State.GroupId}' has active members: a commit without memberId and generation is accepted only for a group with no members");
            }
            else
            {
                if (commit.MemberId is null || !State.Members.ContainsKey(commit.MemberId))
                    return new GroupAck(ErrorCode.UnknownMemberId,
                        $"Member '{commit.MemberId}' is not a member of group '{State.GroupId}'");
                if (commit.Generation != State.Generation)
                    return new GroupAck(ErrorCode.IllegalGeneration,
                        $"Generation {commit.Generation?.ToString() ?? "null"} is not the group's current generation {State.Generation}");
                Emit(new MemberHeartbeat(commit.MemberId, Now));
            }

            if (commit.Offsets.Count > 0)
                Emit(new OffsetsCommitted(commit.Offsets
                    .Select(o => new CommittedOffset(o.TopicPartition, new OffsetAndMetadata(o.Offset, o.Metadata ?? "", Now)))
                    .ToImmutableArray()));
            return GroupAck.Ok;
        }

        /// <summary>Offsets a commit may carry: not negative, short metadata, existing partitions.</summary>
        private GroupAck? ValidateOffsets(IReadOnlyList<OffsetCommit> offsets)
        {
            foreach (var o in offsets)
            {
                if (o.Offset < 0)
                    return new GroupAck(ErrorCode.InvalidRequest, $"Offset {o.Offset} for {o.Topic}-{o.Partition} is negative");
                if ((o.Metadata?.Length ?? 0) > Policy.MaxMetadataBytes)
                    return new GroupAck(ErrorCode.OffsetMetadataTooLarge,
                        $"The metadata for {o.Topic}-{o.Partition} is longer than {Policy.MaxMetadataBytes} characters");
                var partitions = _context.PartitionCount(o.Topic);
                if (partitions is null)
                    return new GroupAck(ErrorCode.UnknownTopicOrPartition, $"Topic '{o.Topic}' does not exist");
                if (o.Partition < 0 || o.Partition >= partitions)
                    return new GroupAck(ErrorCode.UnknownTopicOrPartition,
                        $"Topic '{o.Topic}' has no partition {o.Partition} (it has {partitions})");
            }
            return null;
        }

        // ---- transactional offsets

        public IGroupResult TxnCommit(TxnCommitOffsets commit)
        {
            if (ValidateOffsets(commit.Offsets) is { } invalid) return invalid;
            if (commit.MemberId is not null)
            {
                if (!State.Members.ContainsKey(commit.MemberId))
                    return new GroupAck(ErrorCode.UnknownMemberId, $"Member '{commit.MemberId}' is not a member of group '{State.GroupId}'");
                if (commit.Generation is { } generation && generation >= 0 && generation != State.Generation)
                    return new GroupAck(ErrorCode.IllegalGeneration,
                        $"Generation {generation} is not the group's current generation {State.Generation}");
                Emit(new MemberHeartbeat(commit.MemberId, Now));
            }
            if (State.PendingTransactions.TryGetValue(commit.ProducerId, out var pending) && pending.TransactionNumber > commit.TransactionNumber)
                return new GroupAck(ErrorCode.InvalidTxnState,
                    $"Transaction #{commit.TransactionNumber} of producer {commit.ProducerId} has ended: its offsets come too late");
            if (commit.Offsets.Count > 0)
                Emit(new TxnOffsetsPending(commit.ProducerId, commit.ProducerEpoch, commit.TransactionNumber, commit.Offsets
                    .Select(o => new CommittedOffset(o.TopicPartition, new OffsetAndMetadata(o.Offset, o.Metadata ?? "", Now)))
                    .ToImmutableArray()));
            return GroupAck.Ok;
        }

        public IGroupResult CompleteTxn(CompleteTxnOffsets complete)
        {
            if (State.PendingTransactions.TryGetValue(complete.ProducerId, out var pending) && pending.TransactionNumber <= complete.TransactionNumber)
                Emit(new TxnOffsetsCompleted(complete.ProducerId, complete.TransactionNumber, complete.Commit));
            return GroupAck.Ok;
        }
    }
}
