using Cluster.Domain.Protocol;
using Cluster.Domain.Replication;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Cluster.Domain.Tests.MultiNode;

/// <summary>Retention, recovery from snapshots, and journal failures, on a single broker.</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class StorageSpec
{
    private readonly ITestOutputHelper _output;

    public StorageSpec(ITestOutputHelper output) => _output = output;

    private static string Value(int i, int size = 150) => $"{i:D6}-" + new string('r', size);

    [Fact]
    public async Task Retention_by_size_moves_the_log_start_and_keeps_the_newest_records()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        await cluster.CreateTopicAsync("sized", 1, 1, new() { ["retention.bytes"] = "3000" });
        var gateway = cluster.Node(1).Gateway;
        for (var i = 0; i < 60; i++)
            Assert.Equal(ErrorCode.None, (await gateway.ProduceAsync("sized", 0, TestCluster.Batch(Value(i)), Acks.All)).Error);

        ReplicaStatus status = null!;
        await cluster.WaitUntilAsync(() => (status = gateway.DescribePartitionAsync("sized", 0).Result).SizeInBytes <= 3000 + 400,
            TimeSpan.FromSeconds(15), "retention by size");
        _output.WriteLine($"log start {status.LogStartOffset}, size {status.SizeInBytes} bytes");
        Assert.True(status.SizeInBytes >= 3000, "retention never deletes below retention.bytes");
        Assert.InRange(status.LogStartOffset, 40, 59);

        var below = await gateway.FetchAsync("sized", 0, status.LogStartOffset - 1, 1 << 20, IsolationLevel.ReadUncommitted, 0);
        Assert.Equal(ErrorCode.OffsetOutOfRange, below.Error);
        var kept = await gateway.FetchAsync("sized", 0, status.LogStartOffset, 1 << 20, IsolationLevel.ReadUncommitted, 0);
        Assert.Equal(Enumerable.Range((int)status.LogStartOffset, 60 - (int)status.LogStartOffset).Select(i => Value(i)),
            TestCluster.Values(kept, status.LogStartOffset));
        var earliest = await gateway.ListOffsetsAsync("sized", 0, ListOffsetsRequest.Earliest, IsolationLevel.ReadUncommitted);
        Assert.Equal(status.LogStartOffset, earliest.Offset);
    }

    [Fact]
    public async Task Retention_by_time_deletes_old_batches_and_survives_a_restart()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        await cluster.CreateTopicAsync("timed", 1, 1, new() { ["retention.ms"] = "-1" });
        var gateway = cluster.Node(1).Gateway;
        for (var i = 0; i < 20; i++)
            Assert.Equal(ErrorCode.None, (await gateway.ProduceAsync("timed", 0, TestCluster.Batch(Value(i)), Acks.All)).Error);
        await Task.Delay(3500);
        // Only now does a limit apply: everything so far is older than it, what follows is not
        // (for 3 s: on a loaded machine the newer batches may expire too before the check below
        // sees the log start at 20, so it waits for 20 or more).
        Assert.True((await gateway.ControllerAsync(new Cluster.Domain.Controller.AlterTopicConfigs("timed", new Dictionary<string, string> { ["retention.ms"] = "3000" }))).Ok);
        for (var i = 20; i < 25; i++)
            Assert.Equal(ErrorCode.None, (await gateway.ProduceAsync("timed", 0, TestCluster.Batch(Value(i)), Acks.All)).Error);

        await cluster.WaitUntilAsync(() => gateway.DescribePartitionAsync("timed", 0).Result.LogStartOffset >= 20,
            TimeSpan.FromSeconds(15), "old batches deleted");
        _output.WriteLine($"log start after the old batches expired: {(await gateway.DescribePartitionAsync("timed", 0)).LogStartOffset}");

        await cluster.KillAsync(1);
        cluster.Start(1);
        var restarted = cluster.Node(1).Gateway;
        await cluster.WaitUntilAsync(() => restarted.DescribePartitionAsync("timed", 0).Result.Error == ErrorCode.None,
            TimeSpan.FromSeconds(30), "restart");
        var status = await restarted.DescribePartitionAsync("timed", 0);
        Assert.True(status.LogStartOffset >= 20);
        Assert.Equal(25, status.LogEndOffset);
    }

    [Fact]
    public async Task A_restart_replays_only_what_came_after_the_last_snapshot_and_old_data_is_read_from_the_journal()
    {
        await using var cluster = await TestCluster.StartAsync(1,
            "cluster-log.replica.snapshot-every-events = 200\ncluster-log.replica.tail-cache-bytes = 32 KiB");
        await cluster.CreateTopicAsync("big", 1, 1);
        var gateway = cluster.Node(1).Gateway;
        const int batches = 1500;
        var tasks = new List<Task<ProduceResult>>();
        for (var i = 0; i < batches; i++)
        {
            tasks.Add(gateway.ProduceAsync("big", 0, TestCluster.Batch(Value(2 * i, 40), Value(2 * i + 1, 40)), Acks.Leader));
            if (tasks.Count == 50) { await Task.WhenAll(tasks); tasks.Clear(); }
        }
        await Task.WhenAll(tasks);

        await cluster.KillAsync(1);
        var started = DateTime.UtcNow;
        cluster.Start(1);
        var restarted = cluster.Node(1).Gateway;
        ReplicaStatus status = null!;
        await cluster.WaitUntilAsync(() => (status = restarted.DescribePartitionAsync("big", 0).Result).Error == ErrorCode.None,
            TimeSpan.FromSeconds(30), "restart");
        _output.WriteLine($"restart to leader in {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms, replayed {status.EventsReplayedOnRecovery} of {batches + 1} events");
        Assert.Equal(2 * batches, status.LogEndOffset);
        Assert.True(status.EventsReplayedOnRecovery < 400, $"replayed {status.EventsReplayedOnRecovery} events");

        // Read everything back from offset 0: almost all of it from the journal, not memory.
        var values = new List<string>();
        long offset = 0;
        while (offset < 2 * batches)
        {
            var fetched = await restarted.FetchAsync("big", 0, offset, 64 * 1024, IsolationLevel.ReadUncommitted, 0);
            Assert.Equal(ErrorCode.None, fetched.Error);
            var chunk = TestCluster.Values(fetched, offset);
            Assert.NotEmpty(chunk);
            values.AddRange(chunk);
            offset += chunk.Count;
        }
        Assert.Equal(Enumerable.Range(0, 2 * batches).Select(i => Value(i, 40)), values);
    }

    [Fact]
    public async Task A_read_of_old_data_with_max_records_takes_only_the_batches_that_hold_them_from_the_journal()
    {
        await using var cluster = await TestCluster.StartAsync(1, "cluster-log.replica.tail-cache-bytes = 16 KiB");
        await cluster.CreateTopicAsync("old", 1, 1);
        var gateway = cluster.Node(1).Gateway;
        const int batches = 200;                                          // 10 records each, ~2.5 KB
        for (var i = 0; i < batches; i += 20)
            foreach (var b in Enumerable.Range(i, 20))
                Assert.Equal(ErrorCode.None, (await gateway.ProduceAsync("old", 0,
                    TestCluster.Batch(Enumerable.Range(b * 10, 10).Select(r => Value(r)).ToArray()), Acks.Leader)).Error);

        // Offsets 37..61 are in the batches at 30, 40, 50 and 60, long gone from the tail cache;
        // 1 MiB would hold every batch of the log.
        var fetched = await gateway.FetchAsync("old", 0, 37, 1 << 20, IsolationLevel.ReadUncommitted, 0, maxRecords: 25);
        Assert.Equal(ErrorCode.None, fetched.Error);
        var read = fetched.Batches.Select(b => new Cluster.Domain.Log.RecordBatch(b)).ToList();
        Assert.Equal(new long[] { 30, 40, 50, 60 }, read.Select(b => b.BaseOffset));
        Assert.Equal(Enumerable.Range(37, 25).Select(r => Value(r)), TestCluster.Values(fetched, 37).Take(25));

        // Without a record limit (Kafka's fetch) the same read fills its bytes.
        var unbounded = await gateway.FetchAsync("old", 0, 37, 1 << 20, IsolationLevel.ReadUncommitted, 0);
        Assert.True(unbounded.Batches.Count > 4, $"{unbounded.Batches.Count} batches");
    }

    [Fact]
    public async Task Reading_a_log_much_larger_than_the_tail_cache_keeps_memory_bounded()
    {
        await using var cluster = await TestCluster.StartAsync(1, "cluster-log.replica.tail-cache-bytes = 1 MiB");
        await cluster.CreateTopicAsync("large", 1, 1);
        var gateway = cluster.Node(1).Gateway;
        var value = new string('m', 1000);
        var batch = TestCluster.Batch(Enumerable.Repeat(value, 16).ToArray()); // ~16 KB
        const int batches = 2000;                                             // ~32 MB of log
        for (var i = 0; i < batches; i += 20)
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => gateway.ProduceAsync("large", 0, (byte[])batch.Clone(), Acks.Leader)));

        long Heap()
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return GC.GetTotalMemory(forceFullCollection: true);
        }

        var before = Heap();
        long offset = 0, records = 0;
        while (offset < batches * 16)
        {
            var fetched = await gateway.FetchAsync("large", 0, offset, 1 << 20, IsolationLevel.ReadUncommitted, 0);
            Assert.Equal(ErrorCode.None, fetched.Error);
            var count = fetched.Batches.Sum(b => new Cluster.Domain.Log.RecordBatch(b).RecordCount);
            Assert.True(count > 0);
            records += count;
            offset = new Cluster.Domain.Log.RecordBatch(fetched.Batches[^1]).NextOffset;
        }
        var after = Heap();
        _output.WriteLine($"read {records} records (~{batches * batch.Length / (1 << 20)} MiB) from offset 0; managed heap {before / (1 << 20)} MiB before, {after / (1 << 20)} MiB after");
        Assert.Equal(batches * 16, records);
        Assert.True(after - before < 8 << 20, $"the heap grew by {(after - before) / (1 << 20)} MiB while reading the log");
    }

    [Fact]
    public async Task A_failed_journal_write_fails_the_produce_leaves_no_gap_and_the_replica_recovers()
    {
        await using var cluster = await TestCluster.StartAsync(1, "cluster-log.replica-manager.resync-interval = 1 s");
        await cluster.CreateTopicAsync("fragile", 1, 1);
        var gateway = cluster.Node(1).Gateway;
        Assert.Equal(0, (await gateway.ProduceAsync("fragile", 0, TestCluster.Batch("a", "b"), Acks.Leader)).BaseOffset);

        // The store starts refusing writes, as a full disk would.
        var journal = Path.Combine(cluster.DataDir(1), "journal.db");
        await using (var connection = new SqliteConnection($"Data Source={journal};Pooling=False"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE fail_writes(x);
                INSERT INTO fail_writes VALUES (1);
                CREATE TRIGGER refuse_appends BEFORE INSERT ON journal WHEN (SELECT count(*) FROM fail_writes) > 0
                BEGIN SELECT RAISE(ABORT, 'database or disk is full (injected)'); END;
                """;
            await command.ExecuteNonQueryAsync();
        }
        var failed = await gateway.ProduceAsync("fragile", 0, TestCluster.Batch("c"), Acks.Leader);
        _output.WriteLine($"produce while the store fails: {failed.Error.KafkaName()} {failed.Message}");
        Assert.Equal(ErrorCode.KafkaStorageError, failed.Error);

        await using (var connection = new SqliteConnection($"Data Source={journal};Pooling=False"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM fail_writes;";
            await command.ExecuteNonQueryAsync();
        }

        ProduceResult next = null!;
        await cluster.WaitUntilAsync(() => (next = gateway.ProduceAsync("fragile", 0, TestCluster.Batch("d"), Acks.Leader).Result).Error == ErrorCode.None,
            TimeSpan.FromSeconds(20), "produce works again");
        Assert.Equal(2, next.BaseOffset);
        var all = await gateway.FetchAsync("fragile", 0, 0, 1 << 20, IsolationLevel.ReadUncommitted, 0);
        Assert.Equal(new[] { "a", "b", "d" }, TestCluster.Values(all));
    }
}
