using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Cluster.Bench.Load;
using Cluster.Bench.Stats;
using Cluster.Domain.Hosting;
using Cluster.Domain.Log;

namespace Cluster.Bench.Baseline;

/// <summary>What the store alone did.</summary>
public sealed record BaselineResult(
    double Seconds,
    long Events,
    long Records,
    double RecordsPerSec,
    double MbPerSec,
    double EventsPerSec,
    LatencySummary LatencyMs,
    double ToolCpuPercentOfMachine,
    int Writers,
    int Partitions,
    string Journal);

/// <summary>
/// The raw-storage baseline: the same bytes the product stores (one event = one request's
/// records as one Kafka RecordBatch v2 from <see cref="RecordBatchBuilder"/>, persisted as the
/// product's own <see cref="BatchAppended"/> through its serializer) written straight through
/// Akka.Persistence.Sql on SQLite with the nodes' HOCON (hocon/base.conf persistence section,
/// sqlite.conf, the same --config file) and the product's SQLite setup (WAL, synchronous per
/// flush-on-append), by a minimal persistent actor per partition with the product's group
/// commit: one journal write in flight, everything that arrives meanwhile written together
/// with PersistAllAsync. No HTTP, no replication, no offsets, no index.
/// </summary>
public static class RawStorageBaseline
{
    public static async Task<BaselineResult> RunAsync(int partitions, int writers, int recordsPerEvent, int recordSize,
        TimeSpan duration, string? configFile, Action<string>? progress = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("cluster-bench-baseline-").FullName;
        try
        {
            var settings = new BrokerNodeSettings { DataDir = dataDir, ConfigFile = configFile };
            var config = BuildConfig(configFile);
            var setup = BootstrapSetup.Create().WithConfig(config).And(JournalStorage.Setup(settings, config));
            var system = ActorSystem.Create("bench-baseline", setup);
            JournalStorage.StartCheckpointers(system, settings); // the nodes' background checkpoints too
            try
            {
                return await MeasureAsync(system, partitions, writers, recordsPerEvent, recordSize, duration, progress,
                    config.GetBoolean("cluster-log.storage.flush-on-append") ? "sqlite synchronous=FULL" : "sqlite WAL synchronous=NORMAL");
            }
            finally
            {
                await system.Terminate();
            }
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The nodes' layering (their --config file over sqlite.conf over base.conf), as a local, not clustered, system.</summary>
    public static Config BuildConfig(string? configFile)
    {
        var layered = ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            """);
        if (configFile is not null) layered = layered.WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(configFile)));
        return layered
            .WithFallback(NodeConfig.LoadFile("sqlite.conf"))
            .WithFallback(NodeConfig.LoadFile("base.conf"))
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    private static async Task<BaselineResult> MeasureAsync(ActorSystem system, int partitions, int writers, int recordsPerEvent,
        int recordSize, TimeSpan duration, Action<string>? progress, string journal)
    {
        var logs = Enumerable.Range(0, partitions).Select(p => system.ActorOf(Props.Create(() => new BaselineLog($"bench-{p}")), $"log-{p}")).ToArray();
        var batch = BuildBatch(recordsPerEvent, recordSize);

        // Warm up (journal table creation, JIT), then measure.
        await Task.WhenAll(logs.Select(l => Append(l, batch)));
        var histogram = new LatencyHistogram();
        var clock = new RunClock();
        var cpu = CpuMeter.Start();
        var stopAt = clock.NowMicros + (long)duration.TotalMicroseconds;
        long events = 0;
        var lastReport = clock.NowMicros;
        long lastEvents = 0;
        var loops = Enumerable.Range(0, writers).Select(async w =>
        {
            var log = logs[w % logs.Length];
            while (true)
            {
                var start = clock.NowMicros;
                if (start >= stopAt) return;
                await Append(log, batch);
                var end = clock.NowMicros;
                histogram.Record(end - start);
                var total = Interlocked.Increment(ref events);
                if (progress is not null && w == 0 && end - lastReport >= 1_000_000)
                {
                    var rate = (total - lastEvents) * (double)recordsPerEvent / ((end - lastReport) / 1e6);
                    progress($"baseline {end / 1e6,5:0.0}s  {rate,11:N0} records/s  {rate * recordSize / 1e6,7:0.0} MB/s  event p99 {histogram.ValueAtPercentile(99) / 1000.0:0.0} ms");
                    lastReport = end;
                    lastEvents = total;
                }
            }
        }).ToArray();
        await Task.WhenAll(loops);
        var seconds = clock.NowMicros / 1e6;
        var usage = cpu.Stop();
        var records = events * recordsPerEvent;
        return new BaselineResult(
            Math.Round(seconds, 2), events, records,
            Math.Round(records / seconds), Math.Round(records * (double)recordSize / seconds / 1e6, 1), Math.Round(events / seconds),
            histogram.Summary(0.001), usage.ToolPercentOfMachine, writers, partitions, journal);
    }

    /// <summary>One request's worth of records (value: the run's filler, as the HTTP producers send), as one RecordBatch v2.</summary>
    public static byte[] BuildBatch(int records, int recordSize)
    {
        var value = new byte[recordSize];
        for (var i = 0; i < value.Length; i++) value[i] = (byte)('a' + i % 26);
        using var builder = new RecordBatchBuilder();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < records; i++) builder.Append(now, ReadOnlySpan<byte>.Empty, true, value, false);
        return builder.Build();
    }

    private static Task Append(IActorRef log, byte[] batch)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        log.Tell(new BaselineAppend(batch, done));
        return done.Task;
    }
}

internal sealed record BaselineAppend(byte[] Batch, TaskCompletionSource Done);

/// <summary>The product's write pipeline without the product: group commit of BatchAppended events, one write in flight.</summary>
internal sealed class BaselineLog : UntypedPersistentActor
{
    private readonly List<BaselineAppend> _queue = new();
    private bool _writing;

    public BaselineLog(string persistenceId) => PersistenceId = persistenceId;

    public override string PersistenceId { get; }

    protected override void OnRecover(object message)
    {
    }

    protected override void OnCommand(object message)
    {
        if (message is not BaselineAppend append) return;
        _queue.Add(append);
        if (!_writing) Flush();
    }

    private void Flush()
    {
        if (_queue.Count == 0) return;
        var items = _queue.ToArray();
        _queue.Clear();
        _writing = true;
        var handled = 0;
        PersistAllAsync(items.Select(i => new BatchAppended(i.Batch)), _ =>
        {
            items[handled++].Done.TrySetResult();
            if (handled == items.Length)
            {
                _writing = false;
                Flush();
            }
        });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        foreach (var item in _queue) item.Done.TrySetException(cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }
}
