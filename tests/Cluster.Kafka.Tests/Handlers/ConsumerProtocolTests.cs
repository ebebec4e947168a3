using Cluster.Kafka.Handlers;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;

namespace Cluster.Kafka.Tests.Handlers;

public class ConsumerProtocolTests
{
    [Fact]
    public void Subscriptions_of_any_version_give_their_topics()
    {
        // v1 as librdkafka writes it: topics, user data, owned partitions.
        using var w = new KafkaWriter();
        w.WriteInt16(1);
        w.WriteStringArray(["orders", "payments"], false);
        w.WriteNullableBytes([1, 2, 3]);
        w.WriteInt32(1);
        w.WriteString("orders");
        w.WriteInt32Array([0, 1], false);
        Assert.Equal(["orders", "payments"], ConsumerProtocol.ReadSubscriptionTopics(w.ToArray()));

        Assert.Equal(["a"], ConsumerProtocol.ReadSubscriptionTopics(ConsumerProtocol.WriteSubscription(["a"])));
        Assert.Null(ConsumerProtocol.ReadSubscriptionTopics([0, 0, 0x7f]));
        Assert.Null(ConsumerProtocol.ReadSubscriptionTopics([]));
    }

    [Fact]
    public void Assignments_round_trip_grouped_by_topic()
    {
        var bytes = ConsumerProtocol.WriteAssignment([("b", 1), ("a", 2), ("b", 0)]);
        Assert.Equal([("a", 2), ("b", 0), ("b", 1)], ConsumerProtocol.ReadAssignment(bytes));
        Assert.Empty(ConsumerProtocol.ReadAssignment(ConsumerProtocol.WriteAssignment([])));
    }

    [Theory]
    [InlineData("range,roundrobin", "range", "range")]
    [InlineData("cooperative-sticky,roundrobin", "roundrobin", "roundrobin")]
    [InlineData("cooperative-sticky", "cooperative-sticky", "sticky")]
    [InlineData("RoundRobinAssigner", "RoundRobinAssigner", "roundrobin")]
    [InlineData("my-custom", "my-custom", null)]
    public void The_answered_protocol_is_one_the_client_offered(string offered, string protocol, string? assignor)
    {
        var chosen = GroupHandler.ChooseProtocol(offered.Split(',').Select(n => new JoinGroupRequestProtocol { Name = n }).ToList());
        Assert.Equal((protocol, assignor), (chosen!.Value.Protocol, chosen.Value.Assignor));
        Assert.Null(GroupHandler.ChooseProtocol([]));
    }
}
