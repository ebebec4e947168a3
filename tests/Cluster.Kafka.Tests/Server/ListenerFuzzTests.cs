using System.Buffers.Binary;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;
using Cluster.Kafka.Tests.Protocol;

namespace Cluster.Kafka.Tests.Server;

/// <summary>
/// Throws random, mutated and truncated frames (and clients that vanish) at a real listener in
/// front of a real broker, then checks that a normal client still creates a topic, produces and
/// fetches, and that the node is still serving.
/// </summary>
public sealed class ListenerFuzzTests(InProcessBroker broker) : IClassFixture<InProcessBroker>
{
    [Fact]
    public async Task Hostile_frames_close_their_own_connections_and_the_node_keeps_serving()
    {
        var rng = new Random(9_2026);
        var valid = Samples.AllVersions()
            .Where(kv => kv.Key is not (ApiKey.Produce or ApiKey.CreateTopics or ApiKey.DeleteTopics or ApiKey.Fetch))
            .Select(kv => KafkaRequestWriter.ToFrame(new RequestHeader(kv.Key, kv.Version, 1, "fuzz"), Samples.Request(kv.Key)))
            .ToArray();

        const int connections = 180;
        var plans = Enumerable.Range(0, connections).Select(c =>
        {
            var frame = valid[rng.Next(valid.Length)];
            return (Kind: c % 6, Bytes: (c % 6) switch
            {
                0 => frame[..rng.Next(1, frame.Length)],                    // cut short: the client then goes away
                1 => Mutate(frame, rng),                                     // a few bytes overwritten
                2 => WithSize(Noise(rng, rng.Next(0, 200))),                 // a well-sized frame of noise
                3 => Noise(rng, rng.Next(1, 300)),                           // raw noise, size included
                4 => WithSize(frame[4..].Take(8).Concat(Noise(rng, rng.Next(0, 100))).ToArray()), // a real header, a random body
                _ => Size(rng.Next(2 * 1024 * 1024, int.MaxValue)),          // over the frame limit
            });
        }).ToList();

        async Task<bool> RunAsync((int Kind, byte[] Bytes) plan)
        {
            using var client = await RawKafkaClient.ConnectAsync(broker.Endpoint);
            await client.SendRawAsync(plan.Bytes);
            if (plan.Kind == 0) return false; // disconnect mid-request
            // The server either answers (the bytes happened to decode), waits for the rest of a
            // frame, or closes this connection; it never hangs up on anyone else.
            return await client.IsClosedByServerAsync(TimeSpan.FromMilliseconds(1500));
        }

        var closedByServer = 0;
        foreach (var chunk in plans.Chunk(30))
            closedByServer += (await Task.WhenAll(chunk.Select(RunAsync))).Count(closed => closed);
        Assert.True(closedByServer > connections / 3, $"only {closedByServer} of {connections} hostile connections were closed by the server");

        // A normal client still gets everything done.
        Assert.True(broker.Node.IsReady);
        using var client2 = await RawKafkaClient.ConnectAsync(broker.Endpoint);
        var versions = await client2.RoundTripAsync<ApiVersionsResponse>(new ApiVersionsRequest { ClientSoftwareName = "t", ClientSoftwareVersion = "1" }, 3);
        Assert.Equal(ErrorCode.None, versions.ErrorCode);

        var topic = "fuzz-after-" + Guid.NewGuid().ToString("N")[..8];
        var created = await client2.RoundTripAsync<CreateTopicsResponse>(new CreateTopicsRequest
        {
            Topics = [new CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
            TimeoutMs = 10_000,
        }, 5);
        Assert.Equal(ErrorCode.None, created.Topics.Single().ErrorCode);

        var batch = new RecordBatchBuilder().Append(1_700_000_000_000, "k"u8.ToArray(), "v"u8.ToArray()).Build();
        var produced = await client2.RoundTripAsync<ProduceResponse>(new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 10_000,
            TopicData = [new TopicProduceData { Name = topic, PartitionData = [new PartitionProduceData { Index = 0, Records = batch }] }],
        }, 9);
        var answer = produced.Responses.Single().PartitionResponses.Single();
        Assert.Equal((ErrorCode.None, 0L), (answer.ErrorCode, answer.BaseOffset));

        var fetched = await client2.RoundTripAsync<FetchResponse>(new FetchRequest
        {
            MaxWaitMs = 100,
            MinBytes = 1,
            MaxBytes = 1 << 20,
            Topics = [new FetchTopic { Topic = topic, Partitions = [new FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        }, 12);
        var data = fetched.Responses.Single().Partitions.Single();
        Assert.Equal((ErrorCode.None, 1L), (data.ErrorCode, data.HighWatermark));
        var record = Assert.Single(new RecordBatch(data.Records.ToArray()).Records);
        Assert.Equal("v"u8.ToArray(), record.Value!.Value.ToArray());

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (broker.Listener.OpenConnections > 1 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(1, broker.Listener.OpenConnections);
    }

    private static byte[] Mutate(byte[] frame, Random rng)
    {
        var copy = (byte[])frame.Clone();
        for (var i = 0; i < 1 + rng.Next(4); i++) copy[4 + rng.Next(copy.Length - 4)] = (byte)rng.Next(256);
        return copy;
    }

    private static byte[] Noise(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static byte[] WithSize(byte[] body)
    {
        var frame = new byte[body.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    private static byte[] Size(int size)
    {
        var frame = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        return frame;
    }
}
