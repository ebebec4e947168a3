using System.Diagnostics;
using Cluster.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Cluster.EndToEnd.Tests.Transactions;

/// <summary>
/// Issue 8's end-to-end proof with three real node processes: a consume–transform–produce loop
/// copies 10,000 records from an input topic to an output topic, one transaction per batch
/// (records read read_committed, the copies produced and the input offsets sent in the same
/// transaction, then committed), while the broker that coordinates the transaction is
/// SIGKILLed and restarted, and later the leader of an output partition. A read_committed
/// reader watches the output the whole time. The
/// output must hold every input record exactly once, in order, per partition.
/// </summary>
public sealed class ExactlyOnceTests(ITestOutputHelper output)
{
    private const int Partitions = 2;
    private const int PerPartition = 5_000;
    private const int BatchPerPartition = 100;
    private static readonly Dictionary<string, string> SafeTopic = new() { ["min.insync.replicas"] = "2" };

    private static string Value(int partition, int i) => $"p{partition}-{i:D5}-{new string('x', 40)}";

    [Fact]
    public async Task A_consume_transform_produce_loop_copies_every_record_exactly_once_through_a_broker_SIGKILL()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "eos",
            configure: o => o with { ExtraHocon = "cluster-log.transactions.recovery-interval = 1 s\n" });
        var http = cluster.Broker(1).Http;
        await http.CreateTopicAsync("in", Partitions, 3, SafeTopic);
        await http.CreateTopicAsync("out", Partitions, 3, SafeTopic);

        // The input, written once each by an idempotent producer (a retried request is not a second copy).
        var producer = await http.PostAsync("/v1/producers", "{}");
        Assert.Equal(200, producer.Status);
        var pid = producer["producerId"].GetInt64();
        for (var p = 0; p < Partitions; p++)
            for (var start = 0; start < PerPartition; start += 500)
                await http.ProduceAsync("in", new
                {
                    acks = "all", producerId = pid, producerEpoch = 0, baseSequence = start,
                    records = Enumerable.Range(start, 500).Select(i => new { value = Value(p, i), partition = p }),
                }, TimeSpan.FromSeconds(30));

        var copier = new TransactionalCopier(cluster, "in", "out", "copier", Topics.Unique("copier"), Partitions, BatchPerPartition, output);
        var reader = new CommittedReader(cluster, "out", Partitions, (p, i) => Value(p, i));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var watch = Stopwatch.StartNew();
        var copying = copier.RunAsync(PerPartition, stop.Token);
        var reading = reader.RunAsync(stop.Token);

        // When a fifth of the input is copied: SIGKILL the broker whose node runs the copier's coordinator.
        while (copier.Copied < PerPartition * Partitions / 5 && !copying.IsCompleted) await Task.Delay(50, stop.Token);
        var described = await cluster.Broker(1).Http.GetAsync($"/v1/transactions/{copier.TransactionalId}");
        var victim = cluster.Broker(described.Status == 200 ? described["coordinator"].GetInt32() : 2);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: {copier.Copied} records copied; SIGKILL of broker {victim.BrokerId} (the copier's coordinator)");
        victim.Kill();
        await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
        await victim.StartAsync(timeout: TimeSpan.FromSeconds(60));
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: broker {victim.BrokerId} restarted; {copier.Copied} records copied");

        // At three fifths: SIGKILL the leader of an output partition, the one the markers and copies go to.
        while (copier.Copied < PerPartition * Partitions * 3 / 5 && !copying.IsCompleted) await Task.Delay(50, stop.Token);
        var topic = await cluster.Broker(victim.BrokerId == 1 ? 2 : 1).Http.GetAsync("/v1/topics/out");
        var leader = cluster.Broker(topic["partitions"][0].GetProperty("leader").GetInt32() is var l and > 0 ? l : 3);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: {copier.Copied} records copied; SIGKILL of broker {leader.BrokerId} (leader of out-0)");
        leader.Kill();
        await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
        await leader.StartAsync(timeout: TimeSpan.FromSeconds(60));
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: broker {leader.BrokerId} restarted; {copier.Copied} records copied");

        await copying;
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: copied {copier.Copied} records in {copier.Committed} committed transactions " +
                         $"({copier.Restarts} restarts of the producer, {copier.Retries} retried requests)");
        await reader.WaitForAsync(PerPartition, TimeSpan.FromSeconds(60));
        stop.Cancel();
        try { await reading; } catch (OperationCanceledException) { }

        // Every record exactly once, in order, as a read_committed reader sees the output from the start.
        for (var p = 0; p < Partitions; p++)
        {
            var committed = await HttpTransactionalProducer.ReadCommittedAsync(cluster.Broker(1).Http, "out", p);
            Assert.Equal(PerPartition, committed.Count);
            for (var i = 0; i < PerPartition; i++)
                Assert.True(committed[i] == Value(p, i), $"out-{p}: record {i} is {committed[i]}, expected {Value(p, i)}");
        }
        // And the reader that watched the whole run never saw anything out of place (it checks as it reads).
        Assert.Equal(new[] { PerPartition, PerPartition }, reader.Seen);
        var offsets = await cluster.Broker(1).Http.GetAsync($"/v1/groups/{copier.Group}/offsets?topic=in");
        Assert.All(offsets["offsets"].EnumerateArray(), o => Assert.Equal(PerPartition, o.GetProperty("offset").GetInt64()));
        output.WriteLine($"read_committed reader: {reader.Fetches} fetches, output verified");
    }
}

/// <summary>
/// The loop under test, as a client would write it over HTTP: read each input partition from
/// the group's committed offset (read_committed), produce the copies to the same output
/// partition, send the new input offsets, commit. A 5xx or a dead node is retried with the same
/// request (same sequence) through another node; anything else, or too many failures, starts the
/// producer again (a new epoch, which aborts what was open) and reads the committed offsets again.
/// </summary>
internal sealed class TransactionalCopier(
    ClusterProcesses cluster, string input, string outputTopic, string transactionalIdPrefix, string group, int partitions, int batch,
    ITestOutputHelper log)
{
    private readonly long[] _positions = new long[partitions];
    private HttpTransactionalProducer? _producer;
    private int _node;

    public string TransactionalId { get; } = Topics.Unique(transactionalIdPrefix);
    public string Group => group;
    public int Committed { get; private set; }
    public int Restarts { get; private set; }
    public int Retries { get; private set; }
    public long Copied => Interlocked.Read(ref _copied);
    private long _copied;

    private sealed class RestartProducer(string why) : Exception(why);

    private HttpJson Http => cluster.Nodes[_node % cluster.Nodes.Count].Http;

    public async Task RunAsync(int perPartition, CancellationToken stop)
    {
        await RestartAsync(stop);
        while (_positions.Any(p => p < perPartition))
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                await CopyOneBatchAsync(stop);
            }
            catch (RestartProducer e)
            {
                log.WriteLine($"restarting the producer: {e.Message}");
                Restarts++;
                await RestartAsync(stop);
            }
        }
    }

    private async Task CopyOneBatchAsync(CancellationToken stop)
    {
        var next = (long[])_positions.Clone();
        var copies = new List<(int Partition, List<string> Values)>();
        for (var p = 0; p < partitions; p++)
        {
            var fetch = await RetryAsync(() => Http.GetAsync(
                $"/v1/topics/{input}/partitions/{p}/records?offset={_positions[p]}&maxRecords={batch}&isolation=read_committed"), stop);
            var values = fetch["records"].EnumerateArray().Select(r => r.GetProperty("value").GetString()!).ToList();
            next[p] = fetch["nextOffset"].GetInt64();
            if (values.Count > 0) copies.Add((p, values));
        }
        if (copies.Count == 0) return;

        var producer = _producer!;
        foreach (var (p, values) in copies)
            await RetryAsync(() => { producer.Http = Http; return producer.ProduceAsync(outputTopic, p, values); }, stop);
        await RetryAsync(() =>
        {
            producer.Http = Http;
            return producer.SendOffsetsAsync(group, Enumerable.Range(0, partitions).Select(p => (input, p, next[p])));
        }, stop);
        await RetryAsync(() => { producer.Http = Http; return producer.CommitAsync(); }, stop);

        Array.Copy(next, _positions, partitions);
        Committed++;
        Interlocked.Add(ref _copied, copies.Sum(c => c.Values.Count));
    }

    /// <summary>A new epoch (aborting whatever the previous one left open), then the committed offsets.</summary>
    private async Task RestartAsync(CancellationToken stop)
    {
        _producer ??= new HttpTransactionalProducer(Http, TransactionalId);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                _producer.Http = Http;
                var init = await _producer.InitAsync();
                if (init.Status == 200)
                {
                    var committed = await Http.GetAsync($"/v1/groups/{group}/offsets?topic={input}");
                    if (committed.Status == 200)
                    {
                        Array.Clear(_positions);
                        foreach (var o in committed["offsets"].EnumerateArray())
                            _positions[o.GetProperty("partition").GetInt32()] = o.GetProperty("offset").GetInt64();
                        return;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the producer could not be initialised for 120 s");
            _node++;
            await Task.Delay(300, stop);
        }
    }

    /// <summary>The same request until it is answered with something other than a 5xx; a dead node is left for another.</summary>
    private async Task<JsonResponse> RetryAsync(Func<Task<JsonResponse>> send, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            JsonResponse? response = null;
            try
            {
                response = await send();
                if (response.Status == 200) return response;
                if (response.Status < 500) throw new RestartProducer(response.ToString());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                _node++;
            }
            Retries++;
            if (DateTime.UtcNow > deadline) throw new RestartProducer($"no answer but 5xx for 60 s: {response}");
            await Task.Delay(200, stop);
        }
    }
}

/// <summary>
/// A read_committed consumer of every output partition, polling through any live node. It checks
/// each record as it arrives: record i of partition p must be the i-th input record of p. An
/// aborted record, a duplicate, a gap or a torn transaction fails the test there and then.
/// </summary>
internal sealed class CommittedReader(ClusterProcesses cluster, string topic, int partitions, Func<int, int, string> expected)
{
    private readonly long[] _offsets = new long[partitions];
    private int _node;

    public int[] Seen { get; } = new int[partitions];
    public int Fetches { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            for (var p = 0; p < partitions; p++) await ReadAsync(p);
            await Task.Delay(100, stop);
        }
    }

    public async Task WaitForAsync(int perPartition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Seen.Any(s => s < perPartition))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the reader saw only [{string.Join(",", Seen)}]");
            await Task.Delay(100);
        }
    }

    private async Task ReadAsync(int p)
    {
        JsonResponse fetch;
        try
        {
            fetch = await cluster.Nodes[_node % cluster.Nodes.Count].Http.GetAsync(
                $"/v1/topics/{topic}/partitions/{p}/records?offset={_offsets[p]}&maxRecords=1000&isolation=read_committed", TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            _node++;
            return;
        }
        if (fetch.Status != 200)
        {
            _node++;
            return;
        }
        Fetches++;
        var records = fetch["records"].EnumerateArray().ToList();
        foreach (var record in records)
        {
            var value = record.GetProperty("value").GetString();
            var want = expected(p, Seen[p]);
            if (value != want)
                throw new Xunit.Sdk.XunitException($"read_committed reader: {topic}-{p} offset {record.GetProperty("offset").GetInt64()} " +
                                                   $"holds {value}, expected {want} (record {Seen[p]} of the partition)");
            Seen[p]++;
        }
        var lastStable = fetch["lastStableOffset"].GetInt64();
        Assert.True(fetch["nextOffset"].GetInt64() <= lastStable || records.Count == 0, "read past the last stable offset");
        _offsets[p] = Math.Max(_offsets[p], fetch["nextOffset"].GetInt64());
    }
}
