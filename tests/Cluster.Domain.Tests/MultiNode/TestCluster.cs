using System.Net;
using System.Net.Sockets;
using Cluster.Domain.Controller;
using Cluster.Domain.Hosting;
using Cluster.Domain.Log;
using Cluster.Domain.Protocol;
using Akka.Actor;
using Cluster.Domain.Replication;

namespace Cluster.Domain.Tests.MultiNode;

/// <summary>
/// Several brokers as ActorSystems in this test process, joined over Akka.Remote on
/// loopback, each with its own data folder: our stand-in for Akka's multi-node test kit,
/// which is not served here. Nodes can be started, killed (terminated without leaving),
/// stopped gracefully, wiped and restarted.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    /// <summary>Failure detection and ISR timings for tests: seconds, not tens of seconds.</summary>
    public const string FastTimings = """
        akka.loglevel = WARNING
        akka.cluster.failure-detector.heartbeat-interval = 200 ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2 s
        akka.cluster.failure-detector.expected-response-after = 200 ms
        akka.cluster.split-brain-resolver.stable-after = 2 s
        akka.cluster.down-removal-margin = 500 ms
        akka.cluster.gossip-interval = 200 ms
        akka.cluster.leader-actions-interval = 200 ms
        akka.cluster.unreachable-nodes-reaper-interval = 200 ms
        akka.coordinated-shutdown.phases.before-cluster-shutdown.timeout = 5 s
        # Terminate() is a kill here (no leave, no controlled shutdown); graceful stops run
        # CoordinatedShutdown explicitly.
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.cluster.run-coordinated-shutdown-when-down = off
        cluster-log.replica.replica-lag-time-max = 3 s
        cluster-log.replica.retention-check-interval = 500 ms
        cluster-log.controller.preferred-leader-check-interval = 2 s
        cluster-log.gateway.request-timeout = 10 s
        cluster-log.gateway.attempt-timeout = 3 s
        # The throttler adapter lets a spec cut links between nodes (TestConductor's blackhole).
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        # An association attempted while a link was cut hangs until this handshake timeout; a node
        # restarted on the same address is only let in after it (15 s by default).
        akka.remote.dot-netty.tcp.connection-timeout = 3 s
        """;

    /// <summary>For transaction specs: three partitions per internal topic, and nodes look for unfinished transactions every second.</summary>
    public const string TransactionTimings = """
        cluster-log.transactions.recovery-interval = 1 s
        cluster-log.transactions.state-topic-partitions = 3
        cluster-log.groups.offsets-topic-partitions = 3
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cluster-log-tests", Guid.NewGuid().ToString("N"));
    private readonly int[] _ports;
    private readonly string _extraHocon;
    private readonly BrokerNode?[] _nodes;

    /// <summary>PostgreSQL connection string per broker; SQLite in the data dir when absent.</summary>
    public Func<int, string>? PostgresFor { get; init; }

    private TestCluster(int size, string extraHocon)
    {
        _ports = Enumerable.Range(0, size).Select(_ => FreePort()).ToArray();
        _nodes = new BrokerNode?[size];
        _extraHocon = extraHocon;
    }

    public int Size => _nodes.Length;

    public static async Task<TestCluster> StartAsync(int size, string? extraHocon = null, Func<int, string>? postgresFor = null)
    {
        var cluster = new TestCluster(size, extraHocon is null ? FastTimings : FastTimings + "\n" + extraHocon) { PostgresFor = postgresFor };
        for (var id = 1; id <= size; id++) cluster.Start(id);
        await cluster.WaitUntilAsync(() => cluster.Running.All(n => n.IsReady) &&
                                           cluster.Running.All(n => n.Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == size) &&
                                           cluster.Running.All(n => n.Metadata.Current.Brokers.Count == size),
            TimeSpan.FromSeconds(30), "all nodes up and registered");
        return cluster;
    }

    public IEnumerable<BrokerNode> Running => _nodes.Where(n => n is not null && !n.System.WhenTerminated.IsCompleted)!;

    public BrokerNode Node(int brokerId) => _nodes[brokerId - 1] ?? throw new InvalidOperationException($"Broker {brokerId} is not running");

    public string DataDir(int brokerId) => Path.Combine(_root, $"broker-{brokerId}");

    public BrokerNode Start(int brokerId)
    {
        var node = BrokerNode.Start(new BrokerNodeSettings
        {
            BrokerId = brokerId,
            Port = _ports[brokerId - 1],
            HttpPort = 0,
            KafkaPort = 0,
            SeedNodes = _ports.Select(p => $"127.0.0.1:{p}").ToArray(),
            DataDir = DataDir(brokerId),
            Storage = PostgresFor is null ? StorageKind.Sqlite : StorageKind.Postgres,
            ConnectionString = PostgresFor?.Invoke(brokerId),
            ExtraHocon = _extraHocon,
        });
        _nodes[brokerId - 1] = node;
        return node;
    }

    /// <summary>Stop a node without leaving the cluster: the others must notice it is gone.</summary>
    public async Task KillAsync(int brokerId)
    {
        var node = Node(brokerId);
        _nodes[brokerId - 1] = null;
        await node.System.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task StopGracefullyAsync(int brokerId)
    {
        var node = Node(brokerId);
        await node.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await node.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
        _nodes[brokerId - 1] = null;
    }

    /// <summary>Cut every link between a broker and the others (both directions), as a network partition would.</summary>
    public Task CutOffAsync(int brokerId) => ThrottleAsync(brokerId, Akka.Remote.Transport.Blackhole.Instance);

    public Task HealAsync(int brokerId) => ThrottleAsync(brokerId, Akka.Remote.Transport.Unthrottled.Instance);

    private async Task ThrottleAsync(int brokerId, Akka.Remote.Transport.ThrottleMode mode)
    {
        var node = Node(brokerId);
        foreach (var other in Running.Where(n => n.BrokerId != brokerId))
        {
            await Throttle(node, other, mode);
            await Throttle(other, node, mode);
        }
    }

    private static Task<bool> Throttle(BrokerNode from, BrokerNode to, Akka.Remote.Transport.ThrottleMode mode) =>
        ((Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)from.System).Provider).Transport.ManagementCommand(new Akka.Remote.Transport.SetThrottle(
            to.Cluster.SelfAddress, Akka.Remote.Transport.ThrottleTransportAdapter.Direction.Both, mode));

    /// <summary>Everything one broker's replica of a partition holds, leader or follower.</summary>
    public async Task<List<(long Offset, string Value)>> ReplicaLogAsync(int brokerId, string topic, int partition)
    {
        var node = Node(brokerId);
        var tp = node.Metadata.Current.Topic(topic)!.PartitionId(partition);
        var records = new List<(long, string)>();
        long offset = 0;
        while (true)
        {
            var read = await node.Regions.Local.Ask<FetchResult>(new ReadReplicaLog(tp, offset, 1 << 20), TimeSpan.FromSeconds(10));
            if (read.Batches.Count == 0) return records;
            foreach (var bytes in read.Batches)
            {
                var batch = new RecordBatch(bytes);
                foreach (var r in batch.Records)
                    if (r.Offset >= offset && !batch.IsControl)
                        records.Add((r.Offset, System.Text.Encoding.UTF8.GetString(r.Value!.Value.Span)));
                offset = Math.Max(offset, batch.NextOffset);
            }
        }
    }

    public void Wipe(int brokerId) => Directory.Delete(DataDir(brokerId), recursive: true);

    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout} waiting for: {what}");
            await Task.Delay(50);
        }
    }

    public ClusterMetadata Metadata => Running.First().Metadata.Current;

    public PartitionState Partition(string topic, int partition) =>
        Running.Select(n => n.Metadata.Current).MaxBy(m => m.Version)!.Topic(topic)!.Partitions[partition];

    public async Task<TopicMetadata> CreateTopicAsync(string name, int partitions, int replicationFactor, Dictionary<string, string>? configs = null)
    {
        var node = Running.First();
        var result = await node.Gateway.ControllerAsync(new CreateTopic(name, partitions, replicationFactor, configs ?? new()));
        // Right after start the controller may not have seen every member come up yet.
        for (var attempt = 0; result.Error == ErrorCode.InvalidReplicationFactor && attempt < 20; attempt++)
        {
            await Task.Delay(250);
            result = await node.Gateway.ControllerAsync(new CreateTopic(name, partitions, replicationFactor, configs ?? new()));
        }
        if (!result.Ok) throw new InvalidOperationException($"Create topic failed: {result.Error.KafkaName()} {result.Message}");
        // Wait until every partition's leader has taken up leadership (it answers describes).
        foreach (var p in Enumerable.Range(0, partitions))
            await WaitUntilAsync(() => node.Gateway.DescribePartitionAsync(name, p).Result.Error == ErrorCode.None,
                TimeSpan.FromSeconds(20), $"leader of {name}-{p}");
        return node.Metadata.Current.Topic(name)!;
    }

    public static byte[] Batch(params string[] values)
    {
        using var builder = new RecordBatchBuilder();
        foreach (var v in values)
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, System.Text.Encoding.UTF8.GetBytes(v));
        return builder.Build();
    }

    /// <summary>A transactional batch of one producer, as a transactional producer writes it.</summary>
    public static byte[] TransactionalBatch(long producerId, short epoch, int sequence, params string[] values)
    {
        using var builder = new RecordBatchBuilder(producerId: producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: true);
        foreach (var v in values) builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, System.Text.Encoding.UTF8.GetBytes(v));
        return builder.Build();
    }

    public static List<string> Values(FetchResult result, long fromOffset = 0) =>
        result.Batches.SelectMany(b => new RecordBatch(b).Records)
            .Where(r => r.Offset >= fromOffset)
            .Select(r => System.Text.Encoding.UTF8.GetString(r.Value!.Value.Span)).ToList();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Where(n => n is not null))
        {
            try { await node!.System.Terminate().WaitAsync(TimeSpan.FromSeconds(20)); } catch { /* best effort */ }
        }
        try { if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true); } catch { /* best effort */ }
    }
}
