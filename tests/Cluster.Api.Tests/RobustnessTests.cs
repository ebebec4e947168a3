using System.Text;
using Cluster.Api.Http;
using Cluster.Api.Produce;
using Cluster.Api.Topics;

namespace Cluster.Api.Tests;

/// <summary>No body, however broken, makes a parser fail with anything but a 4xx refusal.</summary>
public class RobustnessTests
{
    private static readonly byte[] ValidProduce = Encoding.UTF8.GetBytes("""
        {"acks":"all","encoding":"utf8","records":[{"key":"user-7","value":"hello","partition":null,"headers":{"h":"v","n":null}},
         {"key":null,"value":"caf\u00e9","partition":1}],"producerId":null,"producerEpoch":null,"baseSequence":null,"transactionalId":null}
        """);

    private static readonly byte[] ValidIdempotentBase64 = Encoding.UTF8.GetBytes("""
        {"encoding":"base64","records":[{"key":"a2V5","value":"dmFsdWU=","headers":{"h":"AAE="}},{"value":null}],
         "producerId":7,"producerEpoch":1,"baseSequence":5,"acks":"1"}
        """);

    private static readonly byte[] ValidCreate = Encoding.UTF8.GetBytes("""
        {"name":"orders","partitions":3,"replicationFactor":1,"configs":{"min.insync.replicas":"1","retention.ms":604800000}}
        """);

    private static readonly byte[] Interesting = Encoding.UTF8.GetBytes("{}[]\",:\\0123456789-+.eEtrufalsn \u00e9\u00ff") ;

    private static IEnumerable<byte[]> Mutations(byte[] valid, int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var body = valid.ToArray();
            var edits = random.Next(1, 4);
            for (var e = 0; e < edits; e++)
            {
                switch (random.Next(3))
                {
                    case 0:
                        body[random.Next(body.Length)] = random.Next(4) == 0 ? (byte)random.Next(256) : Interesting[random.Next(Interesting.Length)];
                        break;
                    case 1:
                        body = body[..random.Next(body.Length)];
                        if (body.Length == 0) body = valid.ToArray();
                        break;
                    default:
                        var at = random.Next(body.Length);
                        body = [.. body[..at], Interesting[random.Next(Interesting.Length)], .. body[at..]];
                        break;
                }
            }
            yield return body;
        }
    }

    [Fact]
    public void Mutated_produce_bodies_parse_or_are_refused_with_4xx()
    {
        var target = new ProduceTarget("t", 2, 0, 1_048_588, 1);
        foreach (var body in Mutations(ValidProduce, 1, 5000).Concat(Mutations(ValidIdempotentBase64, 3, 5000)))
        {
            try
            {
                ProduceRequestParser.Parse(body, target);
            }
            catch (ApiException e)
            {
                Assert.InRange(e.Status, 400, 499);
            }
        }
    }

    [Fact]
    public void Mutated_topic_bodies_parse_or_are_refused_with_4xx()
    {
        foreach (var body in Mutations(ValidCreate, 2, 5000))
        {
            try
            {
                TopicRequestParser.ParseCreate(body);
            }
            catch (ApiException e)
            {
                Assert.InRange(e.Status, 400, 499);
            }
            try
            {
                TopicRequestParser.ParseConfigs(body);
            }
            catch (ApiException e)
            {
                Assert.InRange(e.Status, 400, 499);
            }
        }
    }
}
