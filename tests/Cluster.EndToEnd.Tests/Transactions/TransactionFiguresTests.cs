using System.Diagnostics;
using Cluster.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Cluster.EndToEnd.Tests.Transactions;

/// <summary>
/// Issue 8's figures on three real node processes (shipped timings, replication factor 3,
/// min.insync.replicas 2, everything on one machine): transactions per second with 10 records
/// over two partitions each, and what idempotence costs an acks=all producer (same record size,
/// same batch, same concurrency, same run, the two kinds of producer taking turns).
/// </summary>
public sealed class TransactionFiguresTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> SafeTopic = new() { ["min.insync.replicas"] = "2" };
    private static readonly string Payload = new('v', 100);

    [Fact]
    public async Task Transactions_per_second_and_the_cost_of_idempotence()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, name: "txfig");
        var http = cluster.Broker(1).Http;
        await http.CreateTopicAsync("tx-fig", 2, 3, SafeTopic);

        // ---- the yardstick: one plain acks=all request of 5 records at a time (a transaction is a few of these in a row)
        var plainWatch = Stopwatch.StartNew();
        var plainRequests = 0;
        while (plainWatch.Elapsed < TimeSpan.FromSeconds(5))
        {
            var values = Enumerable.Range(0, 5).Select(_ => new { value = Payload, partition = 0 }).ToArray();
            var response = await http.PostAsync("/v1/topics/tx-fig/records", new { acks = "all", records = values });
            Assert.True(response.Status == 200, response.ToString());
            plainRequests++;
        }
        output.WriteLine($"yardstick: one plain acks=all produce of 5 records at a time: {plainWatch.Elapsed.TotalMilliseconds / plainRequests:0.0} ms each");

        // ---- transactions: 5 records to each of two partitions (both requests at once), then commit
        foreach (var producers in new[] { 1, 4 })
        {
            var clients = new List<HttpTransactionalProducer>();
            for (var i = 0; i < producers; i++)
            {
                // Each producer talks to another broker, as clients spread over a cluster.
                var producer = new HttpTransactionalProducer(cluster.Nodes[i % 3].Http, Topics.Unique($"fig{producers}-{i}"));
                Assert.Equal(200, (await producer.InitAsync()).Status);
                await OneTransactionAsync(producer); // warm up: coordinator loaded, topic created
                clients.Add(producer);
            }
            var watch = Stopwatch.StartNew();
            var duration = TimeSpan.FromSeconds(10);
            var counts = await Task.WhenAll(clients.Select(async c =>
            {
                var done = 0;
                while (watch.Elapsed < duration)
                {
                    await OneTransactionAsync(c);
                    done++;
                }
                return done;
            }));
            var seconds = watch.Elapsed.TotalSeconds;
            output.WriteLine($"transactions (10 records of 100 B over 2 partitions, then commit), {producers} producer(s): " +
                             $"{counts.Sum() / seconds:0.0} transactions/s ({counts.Sum()} in {seconds:0.0} s; " +
                             $"{seconds * 1000 / counts.Average():0.0} ms per transaction per producer)");
        }
        var committed = (await HttpTransactionalProducer.ReadCommittedAsync(http, "tx-fig", 0)).Count;
        Assert.True(committed > 0);

        // ---- idempotence: the same load with and without producer ids, taking turns
        await http.CreateTopicAsync("idem-fig", 4, 3, SafeTopic);
        const int clients4 = 4;
        const int batch = 100;
        var plain = new List<double>();
        var idempotent = new List<double>();
        var pids = new long[clients4];
        var sequences = new int[clients4];
        for (var i = 0; i < clients4; i++) pids[i] = (await http.PostAsync("/v1/producers", "{}"))["producerId"].GetInt64();
        for (var round = 0; round < 3; round++)
        {
            // Taking turns, and which goes first alternates, so warming up and the machine's other load fall on both.
            foreach (var withIds in round % 2 == 0 ? new[] { false, true } : new[] { true, false })
            {
                var watch = Stopwatch.StartNew();
                var duration = TimeSpan.FromSeconds(5);
                var records = await Task.WhenAll(Enumerable.Range(0, clients4).Select(async c =>
                {
                    var node = cluster.Nodes[c % 3].Http;
                    var sent = 0;
                    while (watch.Elapsed < duration)
                    {
                        var values = Enumerable.Range(0, batch).Select(_ => new { value = Payload, partition = c }).ToArray();
                        object body = withIds
                            ? new { acks = "all", producerId = pids[c], producerEpoch = 0, baseSequence = sequences[c], records = values }
                            : new { acks = "all", records = values };
                        var response = await node.PostAsync("/v1/topics/idem-fig/records", body);
                        Assert.True(response.Status == 200, response.ToString());
                        if (withIds) sequences[c] += batch;
                        sent += batch;
                    }
                    return sent;
                }));
                var rate = records.Sum() / watch.Elapsed.TotalSeconds;
                (withIds ? idempotent : plain).Add(rate);
            }
        }
        output.WriteLine($"acks=all produce, {clients4} clients, {batch} records of {Payload.Length} B per request: plain " +
                         $"{string.Join(" / ", plain.Select(r => r.ToString("0")))} records/s, idempotent " +
                         $"{string.Join(" / ", idempotent.Select(r => r.ToString("0")))} records/s; " +
                         $"idempotent/plain = {idempotent.Average() / plain.Average():0.00}");
    }

    private static async Task OneTransactionAsync(HttpTransactionalProducer producer)
    {
        var values = Enumerable.Range(0, 5).Select(_ => Payload).ToArray();
        var both = await Task.WhenAll(producer.ProduceAsync("tx-fig", 0, values), producer.ProduceAsync("tx-fig", 1, values));
        foreach (var response in both) Assert.True(response.Status == 200, response.ToString());
        var commit = await producer.CommitAsync();
        Assert.True(commit.Status == 200, commit.ToString());
    }
}
