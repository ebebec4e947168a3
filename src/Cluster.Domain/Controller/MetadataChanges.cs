using System.Collections.Immutable;
using Cluster.Domain.Protocol;

namespace Cluster.Domain.Controller;

/// <summary>A controller decision: the next metadata, or why there is none.</summary>
public sealed record Change(ClusterMetadata? Next, ErrorCode Error = ErrorCode.None, string? Message = null)
{
    public static Change Refuse(ErrorCode error, string message) => new(null, error, message);
    public static Change Unchanged(ClusterMetadata current) => new(current);
    public bool Ok => Error == ErrorCode.None;
}

/// <summary>
/// The controller's rules as pure functions of the metadata and the set of live brokers, so
/// that they are tested without a cluster. Every function returns metadata with a new
/// version only when something changed.
/// </summary>
public static class MetadataChanges
{
    public const int MaxPartitions = 10_000;
    public const int DefaultReplicationFactor = -1;
    public const int MaxDefaultReplicationFactor = 3;

    public static Change CreateTopic(ClusterMetadata metadata, CreateTopic command, IReadOnlyCollection<int> liveBrokers, int rotation)
    {
        if (TopicNames.Validate(command.Name) is { } nameProblem)
            return Change.Refuse(ErrorCode.InvalidTopicException, nameProblem);
        if (metadata.Topics.ContainsKey(command.Name))
            return Change.Refuse(ErrorCode.TopicAlreadyExists, $"Topic '{command.Name}' already exists");
        if (command.Partitions is < 1 or > MaxPartitions)
            return Change.Refuse(ErrorCode.InvalidPartitions, $"partitions must be between 1 and {MaxPartitions}, not {command.Partitions}");
        // -1 asks for the default (Kafka's CreateTopics convention): as many replicas as there
        // are live brokers, up to three. Internal topics are created that way.
        var replicationFactor = command.ReplicationFactor == DefaultReplicationFactor
            ? Math.Min(MaxDefaultReplicationFactor, liveBrokers.Count)
            : command.ReplicationFactor;
        if (replicationFactor < 1)
            return Change.Refuse(ErrorCode.InvalidReplicationFactor, $"replicationFactor must be at least 1, not {command.ReplicationFactor}");
        if (replicationFactor > liveBrokers.Count)
            return Change.Refuse(ErrorCode.InvalidReplicationFactor,
                $"replicationFactor {replicationFactor} is larger than the {liveBrokers.Count} live broker(s)");
        if (TopicConfig.Validate(command.Configs) is { } configProblem)
            return Change.Refuse(ErrorCode.InvalidConfig, configProblem);

        var brokers = liveBrokers.Order().ToArray();
        var partitions = ImmutableArray.CreateBuilder<PartitionState>(command.Partitions);
        for (var p = 0; p < command.Partitions; p++)
        {
            // Partition p's leader is broker (rotation + p) mod n, its followers the next ones
            // around the ring: replicas on distinct brokers, leaders spread evenly.
            var replicas = new int[replicationFactor];
            for (var r = 0; r < replicas.Length; r++)
                replicas[r] = brokers[(rotation + p + r) % brokers.Length];
            partitions.Add(new PartitionState(p, replicas, replicas[0], 0, replicas.ToArray(), 0));
        }

        var topic = new TopicMetadata(command.Name, metadata.NextTopicId,
            command.Configs.ToImmutableSortedDictionary(StringComparer.Ordinal), partitions.MoveToImmutable());
        return new Change(metadata.Next() with
        {
            Topics = metadata.Topics.Add(command.Name, topic),
            NextTopicId = metadata.NextTopicId + 1,
        });
    }

    public static Change DeleteTopic(ClusterMetadata metadata, string name)
    {
        if (!metadata.Topics.TryGetValue(name, out var topic))
            return Change.Refuse(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist");
        if (topic.IsInternal)
            return Change.Refuse(ErrorCode.InvalidRequest, $"'{name}' is an internal topic and cannot be deleted");
        return new Change(metadata.Next() with { Topics = metadata.Topics.Remove(name) });
    }

    public static Change AlterConfigs(ClusterMetadata metadata, string name, IReadOnlyDictionary<string, string> configs)
    {
        if (!metadata.Topics.TryGetValue(name, out var topic))
            return Change.Refuse(ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist");
        if (TopicConfig.Validate(configs) is { } problem)
            return Change.Refuse(ErrorCode.InvalidConfig, problem);
        var merged = topic.Configs.SetItems(configs);
        return new Change(metadata.Next() with { Topics = metadata.Topics.SetItem(name, topic with { Configs = merged }) });
    }

    public static Change AlterPartition(ClusterMetadata metadata, AlterPartition request, IReadOnlyCollection<int> liveBrokers)
    {
        var tp = request.Partition;
        if (!metadata.Topics.TryGetValue(tp.Topic, out var topic) || topic.TopicId != tp.TopicId || tp.Partition >= topic.Partitions.Length)
            return Change.Refuse(ErrorCode.UnknownTopicOrPartition, $"{tp} does not exist");
        var state = topic.Partitions[tp.Partition];
        if (request.LeaderEpoch != state.LeaderEpoch)
            return Change.Refuse(ErrorCode.FencedLeaderEpoch, $"Leader epoch {request.LeaderEpoch} is not the current {state.LeaderEpoch}");
        if (request.LeaderId != state.Leader)
            return Change.Refuse(ErrorCode.NotLeaderOrFollower, $"Broker {request.LeaderId} does not lead {tp}");
        if (request.PartitionEpoch != state.PartitionEpoch)
            return Change.Refuse(ErrorCode.InvalidUpdateVersion, $"Partition epoch {request.PartitionEpoch} is not the current {state.PartitionEpoch}");
        if (!request.NewIsr.Contains(state.Leader) || request.NewIsr.Any(b => !state.Replicas.Contains(b)) ||
            request.NewIsr.Distinct().Count() != request.NewIsr.Length)
            return Change.Refuse(ErrorCode.InvalidRequest, "The ISR must hold the leader and only replicas of the partition");
        // Only a live broker may join the ISR: one the controller saw die must not be let back
        // in by a leader that has not noticed yet.
        var joining = request.NewIsr.Except(state.Isr).Where(b => !liveBrokers.Contains(b)).ToList();
        if (joining.Count > 0)
            return Change.Refuse(ErrorCode.InvalidRequest, $"Broker(s) {string.Join(",", joining)} are not live");

        return WithPartition(metadata, topic, state with { Isr = request.NewIsr.ToArray(), PartitionEpoch = state.PartitionEpoch + 1 });
    }

    /// <summary>
    /// Bring every partition in line with the live brokers: a leader that is not live is
    /// replaced by the first live ISR member (Kafka's clean election); dead followers leave
    /// the ISR. With nobody eligible the partition goes offline (leader -1) and keeps its
    /// ISR, so that its last leader can come back, unless unclean election is enabled.
    /// </summary>
    public static Change Reconcile(ClusterMetadata metadata, IReadOnlyCollection<int> liveBrokers)
    {
        var next = metadata;
        foreach (var topic in metadata.Topics.Values)
        {
            var current = topic;
            foreach (var state in topic.Partitions)
            {
                var updated = ReconcilePartition(state, liveBrokers, topic.Config.UncleanLeaderElection);
                if (updated is not null) current = current with { Partitions = current.Partitions.SetItem(state.Partition, updated) };
            }
            if (!ReferenceEquals(current, topic)) next = next with { Topics = next.Topics.SetItem(topic.Name, current) };
        }
        return new Change(ReferenceEquals(next, metadata) ? metadata : next.Next());
    }

    private static PartitionState? ReconcilePartition(PartitionState state, IReadOnlyCollection<int> live, bool unclean)
    {
        var leaderLive = state.HasLeader && live.Contains(state.Leader);
        if (leaderLive)
        {
            var liveIsr = state.Isr.Where(live.Contains).ToArray();
            return liveIsr.Length == state.Isr.Length
                ? null
                : state with { Isr = liveIsr, PartitionEpoch = state.PartitionEpoch + 1 };
        }

        var candidate = state.Replicas.FirstOrDefault(r => state.Isr.Contains(r) && live.Contains(r), PartitionState.NoLeader);
        if (candidate != PartitionState.NoLeader)
            return state with
            {
                Leader = candidate,
                LeaderEpoch = state.LeaderEpoch + 1,
                Isr = state.Isr.Where(live.Contains).ToArray(),
                PartitionEpoch = state.PartitionEpoch + 1,
            };
        if (unclean)
        {
            var any = state.Replicas.FirstOrDefault(live.Contains, PartitionState.NoLeader);
            if (any != PartitionState.NoLeader)
                return state with { Leader = any, LeaderEpoch = state.LeaderEpoch + 1, Isr = new[] { any }, PartitionEpoch = state.PartitionEpoch + 1 };
        }
        if (!state.HasLeader) return null;
        return state with { Leader = PartitionState.NoLeader, LeaderEpoch = state.LeaderEpoch + 1, PartitionEpoch = state.PartitionEpoch + 1 };
    }

    /// <summary>
    /// Kafka's controlled shutdown: move every leadership of <paramref name="brokerId"/> to
    /// another live ISR member and take the broker out of the ISRs it is not alone in.
    /// </summary>
    public static (Change Change, int RemainingLeaderships) ControlledShutdown(ClusterMetadata metadata, int brokerId, IReadOnlyCollection<int> liveBrokers)
    {
        var others = liveBrokers.Where(b => b != brokerId).ToHashSet();
        var next = metadata;
        var remaining = 0;
        foreach (var topic in metadata.Topics.Values)
        {
            var current = topic;
            foreach (var state in topic.Partitions)
            {
                if (!state.Replicas.Contains(brokerId)) continue;
                PartitionState? updated = null;
                if (state.Leader == brokerId)
                {
                    var successor = state.Replicas.FirstOrDefault(r => r != brokerId && state.Isr.Contains(r) && others.Contains(r), PartitionState.NoLeader);
                    if (successor == PartitionState.NoLeader) remaining++;
                    else
                        updated = state with
                        {
                            Leader = successor,
                            LeaderEpoch = state.LeaderEpoch + 1,
                            Isr = state.Isr.Where(b => b != brokerId).ToArray(),
                            PartitionEpoch = state.PartitionEpoch + 1,
                        };
                }
                else if (state.Isr.Contains(brokerId) && state.Isr.Length > 1)
                {
                    updated = state with { Isr = state.Isr.Where(b => b != brokerId).ToArray(), PartitionEpoch = state.PartitionEpoch + 1 };
                }
                if (updated is not null) current = current with { Partitions = current.Partitions.SetItem(state.Partition, updated) };
            }
            if (!ReferenceEquals(current, topic)) next = next with { Topics = next.Topics.SetItem(topic.Name, current) };
        }
        return (new Change(ReferenceEquals(next, metadata) ? metadata : next.Next()), remaining);
    }

    /// <summary>
    /// Move leadership back to each partition's preferred replica (the first) when it is
    /// live and in the ISR (Kafka's auto leader rebalance), so leaders spread again after
    /// brokers come back.
    /// </summary>
    public static Change PreferredLeaders(ClusterMetadata metadata, IReadOnlyCollection<int> liveBrokers)
    {
        var next = metadata;
        foreach (var topic in metadata.Topics.Values)
        {
            var current = topic;
            foreach (var state in topic.Partitions)
            {
                var preferred = state.Replicas[0];
                if (state.Leader == preferred || !state.HasLeader || !liveBrokers.Contains(preferred) || !state.Isr.Contains(preferred))
                    continue;
                current = current with
                {
                    Partitions = current.Partitions.SetItem(state.Partition, state with
                    {
                        Leader = preferred,
                        LeaderEpoch = state.LeaderEpoch + 1,
                        PartitionEpoch = state.PartitionEpoch + 1,
                    }),
                };
            }
            if (!ReferenceEquals(current, topic)) next = next with { Topics = next.Topics.SetItem(topic.Name, current) };
        }
        return new Change(ReferenceEquals(next, metadata) ? metadata : next.Next());
    }

    /// <summary>
    /// Record where a broker is. A new incarnation of a known broker restarted: whatever it
    /// led moves to another in-sync replica and it leaves the ISRs it is not alone in, as
    /// if it had been seen dying (it may have been down too briefly for that), so that a
    /// restarted broker never resumes an old leadership on a log it may have lost the end of.
    /// </summary>
    public static Change RegisterBroker(ClusterMetadata metadata, BrokerRegistration registration, IReadOnlyCollection<int> liveBrokers)
    {
        var known = metadata.Brokers.GetValueOrDefault(registration.BrokerId);
        if (known == registration) return Change.Unchanged(metadata);
        var current = metadata;
        if (known is not null && known.Incarnation != registration.Incarnation)
            current = ControlledShutdown(metadata, registration.BrokerId, liveBrokers).Change.Next!;
        return new Change(current.Next() with { Brokers = current.Brokers.SetItem(registration.BrokerId, registration) });
    }

    public static Change AllocateProducerIds(ClusterMetadata metadata, int count) =>
        count is < 1 or > 1_000_000
            ? Change.Refuse(ErrorCode.InvalidRequest, "A producer id block holds 1 to 1,000,000 ids")
            : new Change(metadata.Next() with { NextProducerId = metadata.NextProducerId + count });

    private static Change WithPartition(ClusterMetadata metadata, TopicMetadata topic, PartitionState state) =>
        new(metadata.Next() with
        {
            Topics = metadata.Topics.SetItem(topic.Name, topic with { Partitions = topic.Partitions.SetItem(state.Partition, state) }),
        });
}
