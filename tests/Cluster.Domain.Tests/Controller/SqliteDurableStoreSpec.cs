using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.DistributedData.Durable;
using Akka.TestKit;
using Cluster.Domain.Controller;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.Domain.Tests.Controller;

/// <summary>
/// SqliteDurableStore, end to end through the Replicator (single node and a three-node cluster in
/// one process, loopback only) and directly through the durable-store protocol. Each test owns a
/// temp folder, deleted in Dispose; every wait is bounded.
/// </summary>
public sealed class SqliteDurableStoreSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly LWWRegisterKey<string> RegisterKey = new("controller-register");
    private static readonly ORSetKey<string> SetKey = new("controller-topics");

    private readonly ITestOutputHelper _out;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ddata-spec-" + Guid.NewGuid().ToString("N"));
    private readonly List<ActorSystem> _systems = new();

    public SqliteDurableStoreSpec(ITestOutputHelper output)
        // The TestKit's own (local) system only hosts stores driven directly; it needs the
        // DistributedData serializers to (de)serialize DurableDataEnvelope.
        : base(DistributedData.DefaultConfig(), nameof(SqliteDurableStoreSpec), output)
    {
        _out = output;
        Directory.CreateDirectory(_root);
    }

    // ---- (a) single node: write, terminate, read back from the same folder ----

    [Fact]
    public async Task Single_node_reads_back_its_durable_data_after_restart()
    {
        var db = Path.Combine(_root, "n1", "ddata.db");

        var sys1 = await StartNode(db);
        var self1 = Akka.Cluster.Cluster.Get(sys1).SelfUniqueAddress;
        var replicator1 = DistributedData.Get(sys1).Replicator;

        var sw = Stopwatch.StartNew();
        await Update(replicator1, RegisterKey, new LWWRegister<string>(self1, ""), Dsl.WriteLocal,
            r => r.WithValue(self1, "leader=1,epoch=7"));
        _out.WriteLine($"WriteLocal LWWRegister: {sw.Elapsed.TotalMilliseconds:F1} ms");
        sw.Restart();
        await Update(replicator1, SetKey, ORSet<string>.Empty, new WriteMajority(Timeout),
            s => s.Add(self1, "orders").Add(self1, "payments"));
        _out.WriteLine($"WriteMajority ORSet (1 node): {sw.Elapsed.TotalMilliseconds:F1} ms");

        await Stop(sys1);
        Assert.Equal("wal", Scalar(db, "PRAGMA journal_mode")); // WAL is persisted in the file
        Assert.Equal(2L, Scalar(db, "SELECT count(*) FROM ddata"));

        var sys2 = await StartNode(db);
        var replicator2 = DistributedData.Get(sys2).Replicator;
        sw.Restart();
        var register = await Get(replicator2, RegisterKey, Dsl.ReadLocal);
        _out.WriteLine($"ReadLocal after restart (includes load): {sw.Elapsed.TotalMilliseconds:F1} ms");
        var set = await Get(replicator2, SetKey, Dsl.ReadLocal);

        Assert.Equal("leader=1,epoch=7", register.Value);
        Assert.Equal(new[] { "orders", "payments" }, set.Elements.OrderBy(x => x));
    }

    // ---- (b) three nodes: a wiped node gets the data back from the others ----

    [Fact]
    public async Task Wiped_node_gets_its_data_back_from_the_majority()
    {
        var dirs = Enumerable.Range(1, 3).Select(i => Path.Combine(_root, $"n{i}")).ToArray();
        var n1 = await StartNode(Path.Combine(dirs[0], "ddata.db"));
        var seed = Akka.Cluster.Cluster.Get(n1).SelfAddress;
        var n2 = await StartNode(Path.Combine(dirs[1], "ddata.db"), seed);
        var n3 = await StartNode(Path.Combine(dirs[2], "ddata.db"), seed);
        // Every replicator must know the other two before majority writes (stack-facts).
        foreach (var s in new[] { n1, n2, n3 }) await AwaitReplicaCount(s, 3);

        var self1 = Akka.Cluster.Cluster.Get(n1).SelfUniqueAddress;
        var r1 = DistributedData.Get(n1).Replicator;
        var writes = new List<double>();
        for (var epoch = 1; epoch <= 5; epoch++)
        {
            var sw = Stopwatch.StartNew();
            var value = $"leader=2,epoch={epoch}";
            await Update(r1, RegisterKey, new LWWRegister<string>(self1, ""), new WriteMajority(Timeout),
                r => r.WithValue(self1, value));
            writes.Add(sw.Elapsed.TotalMilliseconds);
        }
        await Update(r1, SetKey, ORSet<string>.Empty, new WriteMajority(Timeout), s => s.Add(self1, "orders"));
        _out.WriteLine($"WriteMajority (3 nodes) ms: {string.Join(", ", writes.Select(w => w.ToString("F1")))}");

        // Node 3 leaves, its disk is wiped, and a new incarnation joins on the empty folder.
        await Stop(n3);
        await AwaitMemberCount(n1, 2);
        Directory.Delete(dirs[2], recursive: true);
        var n3b = await StartNode(Path.Combine(dirs[2], "ddata.db"), seed);
        await AwaitReplicaCount(n3b, 3);
        await AwaitReplicaCount(n1, 3);

        var r3 = DistributedData.Get(n3b).Replicator;
        var read = Stopwatch.StartNew();
        var register = await Get(r3, RegisterKey, new ReadMajority(Timeout));
        _out.WriteLine($"ReadMajority on wiped node: {read.Elapsed.TotalMilliseconds:F1} ms");
        var set = await Get(r3, SetKey, new ReadMajority(Timeout));
        Assert.Equal("leader=2,epoch=5", register.Value);
        Assert.Equal(new[] { "orders" }, set.Elements);

        // The read-repaired values are written to the wiped node's new file as well.
        await AwaitAssertAsync(() => Assert.Equal(2L, Scalar(Path.Combine(dirs[2], "ddata.db"), "SELECT count(*) FROM ddata")),
            Timeout, TimeSpan.FromMilliseconds(200));
    }

    // ---- (c) unwritable path: a clean failure, not a hang ----

    public static TheoryData<string> UnusablePaths => new()
    {
        "blocker-file/sub/ddata.db", // parent "directory" is a regular file: cannot be created
        "",                          // path not configured
    };

    [Theory]
    [MemberData(nameof(UnusablePaths))]
    public void Store_fails_LoadAll_with_LoadFailedException_when_path_is_unusable(string relative)
    {
        File.WriteAllText(Path.Combine(_root, "blocker-file"), "not a directory");
        var path = relative == "" ? "" : Path.Combine(_root, relative);
        var failures = CreateTestProbe();
        var replies = CreateTestProbe();
        var store = ChildActorOf(SqliteDurableStore.Props(DurableConfig(path)),
            new OneForOneStrategy(ex => { failures.Ref.Tell(ex); return Directive.Stop; }));

        store.Tell(LoadAll.Instance, replies.Ref);

        var failure = failures.ExpectMsg<LoadFailedException>(Timeout);
        _out.WriteLine(failure.Message);
        replies.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no LoadAllCompleted after a failure
    }

    [Fact]
    public async Task Replicator_stops_instead_of_hanging_when_path_is_not_writable()
    {
        File.WriteAllText(Path.Combine(_root, "blocker-file"), "not a directory");
        var sys = await StartNode(Path.Combine(_root, "blocker-file", "ddata.db"));
        var replicator = DistributedData.Get(sys).Replicator;
        var probe = CreateTestProbe(sys);
        probe.Watch(replicator);
        await probe.ExpectTerminatedAsync(replicator, Timeout);
    }

    // ---- the store protocol directly: write-behind batches, replies wait for the commit ----

    [Fact]
    public void Write_behind_replies_after_commit_and_keeps_latest_value_per_key()
    {
        var db = Path.Combine(_root, "wb", "ddata.db");
        var node = new UniqueAddress(new Address("akka.tcp", "spec", "127.0.0.1", 2552), 1);
        var config = DurableConfig(db, "write-behind-interval = 300ms");

        var store = Sys.ActorOf(SqliteDurableStore.Props(config));
        store.Tell(LoadAll.Instance, TestActor);
        ExpectMsg<LoadAllCompleted>(Timeout);

        Envelope(store, "a", new LWWRegister<string>(node, "a1"), "ok-a1");
        Envelope(store, "a", new LWWRegister<string>(node, "a2"), "ok-a2");
        Envelope(store, "b", new LWWRegister<string>(node, "b1"), "ok-b1");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // still buffered
        var acks = Enumerable.Range(0, 3).Select(_ => ExpectMsg<string>(Timeout)).OrderBy(x => x);
        Assert.Equal(new[] { "ok-a1", "ok-a2", "ok-b1" }, acks);
        Watch(store);
        Sys.Stop(store);
        ExpectTerminated(store, Timeout);

        var reopened = Sys.ActorOf(SqliteDurableStore.Props(config));
        reopened.Tell(LoadAll.Instance, TestActor);
        var data = ExpectMsg<LoadData>(Timeout).Data;
        ExpectMsg<LoadAllCompleted>(Timeout);
        Assert.Equal("a2", ((LWWRegister<string>)data["a"].Data).Value);
        Assert.Equal("b1", ((LWWRegister<string>)data["b"].Data).Value);
    }

    private void Envelope(IActorRef store, string key, IReplicatedData data, string ack) =>
        store.Tell(new Store(key, new DurableDataEnvelope(data), new StoreReply(ack, "failed-" + ack, TestActor)));

    // ---- helpers ----

    /// <summary>The repo's hocon/ddata-durable.conf, so the tests exercise the real file.</summary>
    private static Config DurableHocon()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "hocon", "ddata-durable.conf");
            if (File.Exists(file)) return ConfigurationFactory.ParseString(File.ReadAllText(file));
        }
        throw new FileNotFoundException("hocon/ddata-durable.conf not found above " + AppContext.BaseDirectory);
    }

    private static Config DurableConfig(string path, string extra = "") =>
        ConfigurationFactory.ParseString($"sqlite {{ path = {Quote(path)}\n {extra} }}")
            .WithFallback(DurableHocon().GetConfig("akka.cluster.distributed-data.durable"));

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private async Task<ActorSystem> StartNode(string dbPath, Address? seed = null)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.cluster.retry-unsuccessful-join-after = 1s
            akka.cluster.gossip-interval = 200ms
            akka.cluster.leader-actions-interval = 200ms
            akka.cluster.distributed-data.durable.sqlite.path = {{Quote(dbPath)}}
            """)
            .WithFallback(DurableHocon())
            .WithFallback(DistributedData.DefaultConfig());
        var system = ActorSystem.Create("ddata", config);
        _systems.Add(system);

        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        await cluster.JoinAsync(seed ?? cluster.SelfAddress).WaitAsync(Timeout);
        await up.Task.WaitAsync(Timeout);
        _ = DistributedData.Get(system).Replicator; // start the replicator now, before any write
        return system;
    }

    private async Task Stop(ActorSystem system)
    {
        await system.Terminate().WaitAsync(Timeout);
        _systems.Remove(system);
    }

    private async Task AwaitReplicaCount(ActorSystem system, int expected)
    {
        var replicator = DistributedData.Get(system).Replicator;
        await AwaitAssertAsync(async () =>
        {
            var count = await replicator.Ask<ReplicaCount>(Dsl.GetReplicaCount, TimeSpan.FromSeconds(3));
            Assert.Equal(expected, count.N);
        }, Timeout, TimeSpan.FromMilliseconds(200));
    }

    private async Task AwaitMemberCount(ActorSystem system, int expected) =>
        await AwaitAssertAsync(() => Assert.Equal(expected, Akka.Cluster.Cluster.Get(system).State.Members.Count),
            Timeout, TimeSpan.FromMilliseconds(200));

    private static async Task Update<T>(IActorRef replicator, IKey<T> key, T initial, IWriteConsistency consistency,
        Func<T, T> modify) where T : IReplicatedData
    {
        var response = await replicator.Ask<IUpdateResponse>(Dsl.Update(key, initial, consistency, modify), Timeout);
        Assert.True(response.IsSuccessful, $"update of {key} failed: {response}");
    }

    private static async Task<T> Get<T>(IActorRef replicator, IKey<T> key, IReadConsistency consistency)
        where T : IReplicatedData
    {
        var response = await replicator.Ask<IGetResponse>(Dsl.Get(key, consistency), Timeout);
        Assert.True(response.IsSuccessful, $"get of {key} failed: {response}");
        return response.Get(key);
    }

    private static object? Scalar(string db, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    protected override void Dispose(bool disposing)
    {
        foreach (var s in _systems.ToArray())
        {
            try { s.Terminate().Wait(Timeout); } catch { /* best effort on the way out */ }
        }
        base.Dispose(disposing);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
