using Cluster.Domain.Groups;
using Cluster.Domain.Log;
using Xunit;

namespace Cluster.Domain.Tests.Groups;

public sealed class PartitionAssignorSpec
{
    private static readonly Dictionary<string, int> TwoTopics = new() { ["t0"] = 3, ["t1"] = 3 };

    private static Func<string, int?> Counts(Dictionary<string, int> topics) => t => topics.TryGetValue(t, out var n) ? n : null;

    private static AssignorMember Member(string id, params string[] topics) => new(id, topics, Array.Empty<TopicPartition>());

    private static string Show(IEnumerable<TopicPartition> partitions) => string.Join(" ", partitions.Select(p => $"{p.Topic}p{p.Partition}"));

    [Fact]
    public void Range_gives_each_member_a_contiguous_range_per_topic_as_kafka_does()
    {
        // Kafka's RangeAssignor javadoc example.
        var result = new RangeAssignor().Assign(new[] { Member("C1", "t0", "t1"), Member("C0", "t0", "t1") }, Counts(TwoTopics));
        Assert.Equal("t0p0 t0p1 t1p0 t1p1", Show(result["C0"]));
        Assert.Equal("t0p2 t1p2", Show(result["C1"]));
    }

    [Fact]
    public void Round_robin_deals_all_partitions_out_in_order_as_kafka_does()
    {
        // Kafka's RoundRobinAssignor javadoc examples.
        var same = new RoundRobinAssignor().Assign(new[] { Member("C0", "t0", "t1"), Member("C1", "t0", "t1") }, Counts(TwoTopics));
        Assert.Equal("t0p0 t0p2 t1p1", Show(same["C0"]));
        Assert.Equal("t0p1 t1p0 t1p2", Show(same["C1"]));

        var topics = new Dictionary<string, int> { ["t0"] = 1, ["t1"] = 2, ["t2"] = 3 };
        var mixed = new RoundRobinAssignor().Assign(
            new[] { Member("C0", "t0"), Member("C1", "t0", "t1"), Member("C2", "t0", "t1", "t2") }, Counts(topics));
        Assert.Equal("t0p0", Show(mixed["C0"]));
        Assert.Equal("t1p0", Show(mixed["C1"]));
        Assert.Equal("t1p1 t2p0 t2p1 t2p2", Show(mixed["C2"]));
    }

    [Theory]
    [InlineData("range")]
    [InlineData("roundrobin")]
    [InlineData("sticky")]
    public void Every_subscribed_partition_goes_to_exactly_one_subscriber(string name)
    {
        var assignor = PartitionAssignors.Get(name);
        var random = new Random(name.GetHashCode() & 0xffff);
        for (var run = 0; run < 300; run++)
        {
            var topics = Enumerable.Range(0, random.Next(1, 5)).ToDictionary(i => $"t{i}", _ => random.Next(0, 9));
            var members = Enumerable.Range(0, random.Next(1, 7)).Select(i => new AssignorMember($"m{i}",
                    topics.Keys.Where(_ => random.Next(3) > 0).DefaultIfEmpty("t0").Append(random.Next(5) == 0 ? "gone" : "t0").Distinct().ToList(),
                    RandomPrevious(random, topics)))
                .ToList();

            var result = assignor.Assign(members, Counts(topics));

            Assert.Equal(members.Select(m => m.MemberId).Order(), result.Keys.Order());
            var assigned = result.SelectMany(r => r.Value.Select(tp => (Member: r.Key, tp))).ToList();
            Assert.Equal(assigned.Count, assigned.Select(a => a.tp).Distinct().Count());
            foreach (var (member, tp) in assigned)
                Assert.Contains(tp.Topic, members.Single(m => m.MemberId == member).Topics);
            var expected = members.SelectMany(m => m.Topics).Distinct()
                .SelectMany(t => Enumerable.Range(0, topics.GetValueOrDefault(t)).Select(p => new TopicPartition(t, p)))
                .Order(TopicPartitionOrder.Instance);
            Assert.Equal(expected, assigned.Select(a => a.tp).Order(TopicPartitionOrder.Instance));
        }
    }

    private static List<TopicPartition> RandomPrevious(Random random, Dictionary<string, int> topics) =>
        topics.SelectMany(t => Enumerable.Range(0, t.Value + 1).Select(p => new TopicPartition(t.Key, p)))
            .Where(_ => random.Next(4) == 0).ToList();

    [Theory]
    [InlineData("range")]
    [InlineData("roundrobin")]
    [InlineData("sticky")]
    public void With_identical_subscriptions_the_load_is_balanced(string name)
    {
        var topics = new Dictionary<string, int> { ["a"] = 7, ["b"] = 5 };
        for (var members = 1; members <= 8; members++)
        {
            var result = PartitionAssignors.Get(name).Assign(
                Enumerable.Range(0, members).Select(i => Member($"m{i}", "a", "b")).ToList(), Counts(topics));
            var counts = result.Values.Select(v => v.Length).ToList();
            // Range balances per topic, so across two topics it may differ by up to 2.
            Assert.True(counts.Max() - counts.Min() <= (name == "range" ? 2 : 1), $"{name} with {members}: {string.Join(",", counts)}");
        }
    }

    [Fact]
    public void Sticky_moves_only_what_balance_requires()
    {
        var topics = new Dictionary<string, int> { ["t"] = 12 };
        var sticky = new StickyAssignor();
        var first = sticky.Assign(new[] { Member("a", "t"), Member("b", "t"), Member("c", "t") }, Counts(topics));

        // "d" joins: each old member keeps 3 of its 4.
        var second = sticky.Assign(new[] { "a", "b", "c", "d" }
            .Select(id => new AssignorMember(id, new[] { "t" }, first.TryGetValue(id, out var previous) ? previous : Array.Empty<TopicPartition>()))
            .ToList(), Counts(topics));
        foreach (var id in new[] { "a", "b", "c" })
        {
            Assert.Equal(3, second[id].Length);
            Assert.Subset(first[id].ToHashSet(), second[id].ToHashSet());
        }

        // "b" goes: the others keep everything they had and share b's partitions.
        var third = sticky.Assign(new[] { "a", "c", "d" }.Select(id => new AssignorMember(id, new[] { "t" }, second[id])).ToList(), Counts(topics));
        foreach (var id in new[] { "a", "c", "d" })
        {
            Assert.Equal(4, third[id].Length);
            Assert.Subset(third[id].ToHashSet(), second[id].ToHashSet());
        }
    }

    [Fact]
    public void Topics_that_do_not_exist_get_nothing()
    {
        var result = new RangeAssignor().Assign(new[] { Member("a", "gone") }, Counts(TwoTopics));
        Assert.Empty(result["a"]);
    }
}
