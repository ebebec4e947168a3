using System.Diagnostics;
using System.Text;
using Cluster.EndToEnd.Tests.Infrastructure;
using Cluster.KafkaClients.Tests.Infrastructure;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Cluster.KafkaClients.Tests;

/// <summary>
/// The figures of issue 9: acks=all produce throughput and latency through Confluent.Kafka
/// against a 3-node cluster, side by side with the HTTP API on the same cluster in the same
/// run. Short phases (a few seconds each) so the suite stays quick; the table goes to the test
/// output and to kafka-vs-http.txt next to the test assembly. KAFKA_BENCH_SECONDS makes the
/// phases longer.
/// </summary>
public sealed class ProduceThroughputTests(ITestOutputHelper output)
{
    private const int ValueBytes = 100;

    private static TimeSpan Phase => TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("KAFKA_BENCH_SECONDS"), out var s) && s > 0 ? s : 4);

    private sealed record Figures(string Door, string Mode, long Records, TimeSpan Elapsed, List<double> LatenciesMs)
    {
        public double RecordsPerSecond => Records / Elapsed.TotalSeconds;
        public double MiBPerSecond => Records * (double)ValueBytes / Elapsed.TotalSeconds / (1024 * 1024);
        public double Percentile(double p)
        {
            if (LatenciesMs.Count == 0) return double.NaN;
            var sorted = LatenciesMs.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
        public override string ToString() =>
            $"| {Door,-6} | {Mode,-34} | {Records,8} | {RecordsPerSecond,9:0} | {MiBPerSecond,6:0.00} | {Percentile(50),7:0.0} | {Percentile(99),7:0.0} |";
    }

    [Fact]
    public async Task Acks_all_produce_through_Kafka_and_HTTP_side_by_side()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, KafkaNodes.WithKafka, name: "kafka-bench", timeout: KafkaNodes.StartTimeout);
        var kafkaTopic = Topics.Unique("bench-kafka");
        var httpTopic = Topics.Unique("bench-http");
        var configs = new Dictionary<string, string> { ["min.insync.replicas"] = "2" };
        await KafkaNodes.CreateTopicAsync(cluster.Bootstrap(), kafkaTopic, 3, 3, configs);
        await KafkaNodes.CreateTopicAsync(cluster.Bootstrap(), httpTopic, 3, 3, configs);
        var value = new string('x', ValueBytes);

        var results = new List<Figures>
        {
            await KafkaOneAtATimeAsync(cluster, kafkaTopic, value),
            await KafkaPipelinedAsync(cluster, kafkaTopic, value),
            await HttpOneAtATimeAsync(cluster, httpTopic, value),
            await HttpConcurrentAsync(cluster, httpTopic, value, recordsPerRequest: 100, concurrency: 8),
            // The same moderate load through both doors: latency when neither is saturated.
            await KafkaPacedAsync(cluster, kafkaTopic, value, recordsPerSecond: PacedRate),
            await HttpPacedAsync(cluster, httpTopic, value, recordsPerSecond: PacedRate, recordsPerRequest: 50),
        };

        var table = new StringBuilder()
            .AppendLine($"acks=all, 3 brokers, 3 partitions, RF 3, min.insync.replicas 2, {ValueBytes}-byte values, {Phase.TotalSeconds:0} s per phase, {Environment.ProcessorCount} cores")
            .AppendLine("latency: kafka per record (send to acknowledgement), http per request")
            .AppendLine("| door   | mode                               |  records |  records/s |  MiB/s | p50 ms  | p99 ms  |")
            .AppendLine("| ------ | ---------------------------------- | -------- | ---------- | ------ | ------- | ------- |");
        foreach (var r in results) table.AppendLine(r.ToString());
        output.WriteLine(table.ToString());
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "kafka-vs-http.txt"), table.ToString());
        Assert.All(results, r => Assert.True(r.Records > 0, $"{r.Door} {r.Mode} produced nothing"));
    }

    /// <summary>One record at a time, each awaited: the latency of a lone acks=all write.</summary>
    private static async Task<Figures> KafkaOneAtATimeAsync(ClusterProcesses cluster, string topic, string value)
    {
        var config = KafkaNodes.Producer(cluster.Bootstrap());
        config.LingerMs = 0;
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = value }); // connections and producer id
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Phase)
        {
            var start = Stopwatch.GetTimestamp();
            await producer.ProduceAsync(new TopicPartition(topic, latencies.Count % 3), new Message<Null, string> { Value = value });
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return new Figures("kafka", "1 in flight, linger 0", latencies.Count, clock.Elapsed, latencies);
    }

    /// <summary>As many as librdkafka will batch and pipeline (idempotent, linger 5 ms): throughput, and latency under that load.</summary>
    private static async Task<Figures> KafkaPipelinedAsync(ClusterProcesses cluster, string topic, string value)
    {
        var config = KafkaNodes.Producer(cluster.Bootstrap());
        config.LingerMs = 5;
        config.QueueBufferingMaxMessages = 20_000;
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = value });
        var latencies = new List<double>();
        var failures = 0;
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < Phase)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                producer.Produce(topic, new Message<Null, string> { Value = value }, report =>
                {
                    if (report.Error.IsError) Interlocked.Increment(ref failures);
                    else lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                });
                sent++;
            }
            catch (ProduceException<Null, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(5));
            }
        }
        producer.Flush(TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed;
        Assert.Equal(0, failures);
        return new Figures("kafka", "pipelined, idempotent, linger 5 ms", latencies.Count, elapsed, latencies);
    }

    private const int PacedRate = 2000;

    /// <summary>Records at a steady rate (ticks of 10 ms), each timed from its send to its acknowledgement.</summary>
    private static async Task<Figures> KafkaPacedAsync(ClusterProcesses cluster, string topic, string value, int recordsPerSecond)
    {
        var config = KafkaNodes.Producer(cluster.Bootstrap());
        config.LingerMs = 5;
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = value });
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < Phase)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * recordsPerSecond);
            for (; sent < due; sent++)
            {
                var start = Stopwatch.GetTimestamp();
                producer.Produce(topic, new Message<Null, string> { Value = value }, report =>
                {
                    if (!report.Error.IsError) lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                });
            }
            await Task.Delay(10);
        }
        producer.Flush(TimeSpan.FromSeconds(60));
        return new Figures("kafka", $"paced {recordsPerSecond}/s, linger 5 ms", latencies.Count, clock.Elapsed, latencies);
    }

    /// <summary>The same record rate over HTTP: requests of <paramref name="recordsPerRequest"/> at a steady pace, as many in flight as it takes.</summary>
    private static async Task<Figures> HttpPacedAsync(ClusterProcesses cluster, string topic, string value, int recordsPerSecond, int recordsPerRequest)
    {
        var body = new { acks = "all", records = Enumerable.Range(0, recordsPerRequest).Select(_ => new { value }).ToArray() };
        var latencies = new List<double>();
        var requests = new List<Task>();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < Phase)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * recordsPerSecond / recordsPerRequest);
            for (; sent < due; sent++)
            {
                var http = cluster.Nodes[(int)(sent % cluster.Nodes.Count)].Http;
                requests.Add(Task.Run(async () =>
                {
                    var start = Stopwatch.GetTimestamp();
                    await http.ProduceAsync(topic, body);
                    lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }));
            }
            await Task.Delay(10);
        }
        await Task.WhenAll(requests);
        return new Figures("http", $"paced {recordsPerSecond}/s, {recordsPerRequest} records/request", latencies.Count * (long)recordsPerRequest,
            clock.Elapsed, latencies);
    }

    private static async Task<Figures> HttpOneAtATimeAsync(ClusterProcesses cluster, string topic, string value)
    {
        var http = cluster.Nodes[0].Http;
        await http.ProduceAsync(topic, new { acks = "all", records = new[] { new { value } } });
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Phase)
        {
            var start = Stopwatch.GetTimestamp();
            await http.ProduceAsync(topic, new { acks = "all", records = new[] { new { value, partition = latencies.Count % 3 } } });
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return new Figures("http", "1 record per request, 1 in flight", latencies.Count, clock.Elapsed, latencies);
    }

    private static async Task<Figures> HttpConcurrentAsync(ClusterProcesses cluster, string topic, string value, int recordsPerRequest, int concurrency)
    {
        var body = new { acks = "all", records = Enumerable.Range(0, recordsPerRequest).Select(_ => new { value }).ToArray() };
        var latencies = new List<double>();
        long records = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            // Spread the clients over the nodes, as load balancers would.
            var http = cluster.Nodes[worker % cluster.Nodes.Count].Http;
            while (clock.Elapsed < Phase)
            {
                var start = Stopwatch.GetTimestamp();
                await http.ProduceAsync(topic, body);
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                lock (latencies) latencies.Add(ms);
                Interlocked.Add(ref records, recordsPerRequest);
            }
        }));
        return new Figures("http", $"{recordsPerRequest} records/request, {concurrency} in flight", records, clock.Elapsed, latencies);
    }
}
