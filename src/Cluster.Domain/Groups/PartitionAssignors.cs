using System.Collections.Immutable;
using Cluster.Domain.Log;

namespace Cluster.Domain.Groups;

/// <summary>A member as an assignor sees it: what it subscribes to and what it owned in the last generation.</summary>
public sealed record AssignorMember(string MemberId, IReadOnlyList<string> Topics, IReadOnlyList<TopicPartition> Previous);

/// <summary>
/// Kafka's partition assignment strategies. Every assignor gives each partition of a
/// subscribed topic to exactly one member subscribed to that topic, and leaves none
/// unassigned while such a member exists. Topics that do not exist (any more) get nothing.
/// </summary>
public interface IPartitionAssignor
{
    string Name { get; }

    /// <summary>Member id → its partitions, sorted; every member of <paramref name="members"/> has an entry.</summary>
    IReadOnlyDictionary<string, ImmutableArray<TopicPartition>> Assign(IReadOnlyList<AssignorMember> members, Func<string, int?> partitionCount);
}

public static class PartitionAssignors
{
    private static readonly ImmutableSortedDictionary<string, IPartitionAssignor> All =
        new IPartitionAssignor[] { new RangeAssignor(), new RoundRobinAssignor(), new StickyAssignor() }
            .ToImmutableSortedDictionary(a => a.Name, a => a, StringComparer.Ordinal);

    public static IEnumerable<string> Names => All.Keys;

    public static bool IsKnown(string name) => All.ContainsKey(name);

    public static IPartitionAssignor Get(string name) =>
        All.TryGetValue(name, out var assignor) ? assignor : throw new ArgumentException($"Unknown assignor '{name}'", nameof(name));

    internal static Dictionary<string, List<TopicPartition>> EmptyResult(IEnumerable<AssignorMember> members) =>
        members.ToDictionary(m => m.MemberId, _ => new List<TopicPartition>(), StringComparer.Ordinal);

    internal static IReadOnlyDictionary<string, ImmutableArray<TopicPartition>> Sorted(Dictionary<string, List<TopicPartition>> result) =>
        result.ToDictionary(r => r.Key, r => r.Value.Order(TopicPartitionOrder.Instance).ToImmutableArray(), StringComparer.Ordinal);

    /// <summary>Every partition of every existing topic some member subscribes to, sorted.</summary>
    internal static List<TopicPartition> SubscribedPartitions(IEnumerable<AssignorMember> members, Func<string, int?> partitionCount) =>
        members.SelectMany(m => m.Topics).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .SelectMany(t => Enumerable.Range(0, Math.Max(0, partitionCount(t) ?? 0)).Select(p => new TopicPartition(t, p)))
            .ToList();
}

/// <summary>
/// Kafka's RangeAssignor: per topic, the members subscribed to it in member id order each get
/// a contiguous range; the first (partitions mod members) get one more.
/// </summary>
public sealed class RangeAssignor : IPartitionAssignor
{
    public const string AssignorName = "range";

    public string Name => AssignorName;

    public IReadOnlyDictionary<string, ImmutableArray<TopicPartition>> Assign(IReadOnlyList<AssignorMember> members, Func<string, int?> partitionCount)
    {
        var result = PartitionAssignors.EmptyResult(members);
        var topics = members.SelectMany(m => m.Topics).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            var partitions = Math.Max(0, partitionCount(topic) ?? 0);
            var consumers = members.Where(m => m.Topics.Contains(topic)).Select(m => m.MemberId).Order(StringComparer.Ordinal).ToList();
            var each = partitions / consumers.Count;
            var extra = partitions % consumers.Count;
            for (var i = 0; i < consumers.Count; i++)
            {
                var start = each * i + Math.Min(i, extra);
                var length = each + (i < extra ? 1 : 0);
                for (var p = start; p < start + length; p++) result[consumers[i]].Add(new TopicPartition(topic, p));
            }
        }
        return PartitionAssignors.Sorted(result);
    }
}

/// <summary>
/// Kafka's RoundRobinAssignor: all partitions in topic/partition order dealt out to the members
/// in member id order, skipping members not subscribed to the partition's topic.
/// </summary>
public sealed class RoundRobinAssignor : IPartitionAssignor
{
    public const string AssignorName = "roundrobin";

    public string Name => AssignorName;

    public IReadOnlyDictionary<string, ImmutableArray<TopicPartition>> Assign(IReadOnlyList<AssignorMember> members, Func<string, int?> partitionCount)
    {
        var result = PartitionAssignors.EmptyResult(members);
        var ordered = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        var next = 0;
        foreach (var tp in PartitionAssignors.SubscribedPartitions(members, partitionCount))
        {
            // Some member subscribes to tp's topic (that is how tp got here), so this ends.
            while (!ordered[next % ordered.Count].Topics.Contains(tp.Topic)) next++;
            result[ordered[next % ordered.Count].MemberId].Add(tp);
            next++;
        }
        return PartitionAssignors.Sorted(result);
    }
}

/// <summary>
/// A sticky assignor in the spirit of Kafka's: members keep what they owned in the last
/// generation when it is still valid, new or orphaned partitions go to the least loaded
/// eligible member, then partitions move one at a time from a member to an eligible one with
/// at least two fewer until no such move is left (each move lowers the sum of squared counts,
/// so this ends). Fewer partitions change hands than with range or round-robin.
/// </summary>
public sealed class StickyAssignor : IPartitionAssignor
{
    public const string AssignorName = "sticky";

    public string Name => AssignorName;

    public IReadOnlyDictionary<string, ImmutableArray<TopicPartition>> Assign(IReadOnlyList<AssignorMember> members, Func<string, int?> partitionCount)
    {
        var result = PartitionAssignors.EmptyResult(members);
        var ordered = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        var all = PartitionAssignors.SubscribedPartitions(members, partitionCount);
        var valid = all.ToHashSet();
        var owned = new HashSet<TopicPartition>();

        foreach (var member in ordered)
            foreach (var tp in member.Previous.Order(TopicPartitionOrder.Instance))
                if (valid.Contains(tp) && member.Topics.Contains(tp.Topic) && owned.Add(tp))
                    result[member.MemberId].Add(tp);

        foreach (var tp in all.Where(tp => !owned.Contains(tp)))
        {
            var to = ordered.Where(m => m.Topics.Contains(tp.Topic)).MinBy(m => result[m.MemberId].Count)!;
            result[to.MemberId].Add(tp);
        }

        while (TryMoveOne(ordered, result)) { }
        return PartitionAssignors.Sorted(result);
    }

    private static bool TryMoveOne(List<AssignorMember> ordered, Dictionary<string, List<TopicPartition>> result)
    {
        foreach (var from in ordered.OrderByDescending(m => result[m.MemberId].Count))
            foreach (var to in ordered.OrderBy(m => result[m.MemberId].Count))
            {
                if (result[from.MemberId].Count <= result[to.MemberId].Count + 1) break;
                var candidates = result[from.MemberId].Where(tp => to.Topics.Contains(tp.Topic)).ToList();
                if (candidates.Count == 0) continue;
                var moved = candidates.Max(TopicPartitionOrder.Instance);
                result[from.MemberId].Remove(moved);
                result[to.MemberId].Add(moved);
                return true;
            }
        return false;
    }
}
