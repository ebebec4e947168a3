using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Cluster.Domain.Protocol;
using Cluster.Kafka.Protocol;
using Cluster.Kafka.Protocol.Messages;
using Cluster.Kafka.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Kafka.Tests.Server;

/// <summary>
/// The listener and its connections with a scripted handler (no cluster): answers in request
/// order whatever order they complete in, nothing for acks=0, at most the in-flight limit at
/// once, and every kind of bad input closes only its own connection.
/// </summary>
public sealed class KafkaConnectionTests : IAsyncLifetime
{
    private sealed class ScriptedHandler : IKafkaRequestHandler
    {
        public int Running;
        public int MaxRunning;
        public readonly ConcurrentQueue<int> Started = new();

        public async ValueTask<IKafkaResponse?> HandleAsync(ParsedRequest request, CancellationToken cancellation)
        {
            Started.Enqueue(request.CorrelationId);
            var now = Interlocked.Increment(ref Running);
            InterlockedMax(ref MaxRunning, now);
            try
            {
                switch (request.Request)
                {
                    case ApiVersionsRequest:
                        return ApiVersionsResponse.FromTable();
                    case ProduceRequest { Acks: 0 }:
                        return null;
                    case MetadataRequest metadata:
                        // The topic name says how long to take: answers finish out of order.
                        var delay = int.Parse(metadata.Topics![0].Name!);
                        await Task.Delay(delay, cancellation);
                        return new MetadataResponse { Topics = [new MetadataResponseTopic { Name = metadata.Topics[0].Name }] };
                    default:
                        throw new InvalidOperationException("boom");
                }
            }
            finally
            {
                Interlocked.Decrement(ref Running);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
        }
    }

    private readonly ScriptedHandler _handler = new();
    private KafkaListener _listener = null!;

    public Task InitializeAsync()
    {
        _listener = new KafkaListener(new IPEndPoint(IPAddress.Loopback, 0), _handler,
            new KafkaListenerSettings { MaxFrameSize = 64 * 1024, MaxInFlightPerConnection = 4 }, NullLogger.Instance);
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _listener.DisposeAsync();

    private Task<RawKafkaClient> ConnectAsync() => RawKafkaClient.ConnectAsync(_listener.LocalEndPoint);

    private static MetadataRequest Slow(int ms) => new() { Topics = [new MetadataRequestTopic { Name = ms.ToString() }] };

    [Fact]
    public async Task Answers_go_out_in_request_order_though_handled_concurrently_up_to_the_limit()
    {
        using var client = await ConnectAsync();
        var delays = new[] { 300, 10, 200, 0, 100, 50, 0, 250, 5, 120 };
        var correlations = new List<int>();
        foreach (var d in delays) correlations.Add(await client.SendAsync(Slow(d), 12));

        for (var i = 0; i < delays.Length; i++)
        {
            var (header, response) = await client.ReceiveAsync<MetadataResponse>(ApiKey.Metadata, 12);
            Assert.Equal(correlations[i], header.CorrelationId);
            Assert.Equal(delays[i].ToString(), response.Topics.Single().Name);
        }
        Assert.True(_handler.MaxRunning > 1, "requests should overlap");
        Assert.True(_handler.MaxRunning <= 4, $"at most 4 in flight, saw {_handler.MaxRunning}");
    }

    [Fact]
    public async Task Produce_with_acks_0_gets_no_answer_and_the_next_request_is_answered()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(new ProduceRequest { Acks = 0, TimeoutMs = 1000 }, 9);
        var correlation = await client.SendAsync(new ApiVersionsRequest(), 3);
        var (header, response) = await client.ReceiveAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3);
        Assert.Equal(correlation, header.CorrelationId);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
    }

    [Fact]
    public async Task An_ApiVersions_request_of_an_unknown_version_is_answered_at_v0_with_UNSUPPORTED_VERSION()
    {
        // The real handler, with no broker at all: ApiVersions never needs one.
        var handler = new Cluster.Kafka.Handlers.KafkaRequestHandler(() => null,
            new Cluster.Kafka.Handlers.KafkaAdvertisedEndpoint(1, "127.0.0.1", 9092), new KafkaListenerSettings());
        var frame = KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.ApiVersions, 3, 7, "x"), new ApiVersionsRequest());
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), 99);
        var request = KafkaRequestParser.Parse(frame.AsMemory(4));
        var response = Assert.IsType<ApiVersionsResponse>(await handler.HandleAsync(request, CancellationToken.None));
        Assert.Equal(ErrorCode.UnsupportedVersion, response.ErrorCode);
        Assert.Equal(0, request.ResponseVersion);

        var supported = KafkaRequestParser.Parse(KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.ApiVersions, 3, 8, "x"), new ApiVersionsRequest()).AsMemory(4));
        var table = Assert.IsType<ApiVersionsResponse>(await handler.HandleAsync(supported, CancellationToken.None));
        Assert.Equal(ApiVersionsTable.All.Count, table.ApiKeys.Count);
    }

    public static TheoryData<string> BadInputs => new()
    {
        "garbage", "unknown api key", "unsupported version", "oversize frame", "negative size", "truncated body", "handler failure",
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_closes_that_connection_only(string kind)
    {
        using var healthy = await ConnectAsync();
        Assert.Equal(ErrorCode.None, (await healthy.RoundTripAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 3)).ErrorCode);

        using var bad = await ConnectAsync();
        var valid = KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.Metadata, 12, 1, "bad"), Slow(0));
        byte[] bytes = kind switch
        {
            "garbage" => Frame([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
            "unknown api key" => Patch(valid, 4, 9999),
            "unsupported version" => Patch(valid, 6, 99),
            "oversize frame" => Size(1024 * 1024),
            "negative size" => Size(-5),
            "truncated body" => Frame(valid.AsSpan(4, valid.Length - 10).ToArray()),
            "handler failure" => KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.ListGroups, 4, 1, "bad"), new ListGroupsRequest()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        await bad.SendRawAsync(bytes);
        Assert.True(await bad.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), $"{kind}: the connection should be closed");

        // The other connection, and new ones, still work.
        Assert.Equal(ErrorCode.None, (await healthy.RoundTripAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 3)).ErrorCode);
        using var fresh = await ConnectAsync();
        Assert.Equal("0", (await fresh.RoundTripAsync<MetadataResponse>(Slow(0), 12)).Topics.Single().Name);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_request_or_mid_answer_leaves_the_listener_serving()
    {
        for (var i = 0; i < 20; i++)
        {
            using var client = await ConnectAsync();
            var valid = KafkaRequestWriter.ToFrame(new RequestHeader(ApiKey.Metadata, 12, 1, "gone"), Slow(i % 2 == 0 ? 0 : 50));
            // Half a frame, or a whole one whose answer it will not wait for.
            await client.SendRawAsync(i % 2 == 0 ? valid[..(valid.Length / 2)] : valid);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_listener.OpenConnections > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, _listener.OpenConnections);
        using var fresh = await ConnectAsync();
        Assert.Equal(ErrorCode.None, (await fresh.RoundTripAsync<ApiVersionsResponse>(new ApiVersionsRequest(), 3)).ErrorCode);
    }

    private static byte[] Frame(byte[] body)
    {
        var frame = new byte[body.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    private static byte[] Size(int size)
    {
        var frame = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        return frame;
    }

    private static byte[] Patch(byte[] frame, int at, short value)
    {
        var copy = (byte[])frame.Clone();
        BinaryPrimitives.WriteInt16BigEndian(copy.AsSpan(at), value);
        return copy;
    }
}
