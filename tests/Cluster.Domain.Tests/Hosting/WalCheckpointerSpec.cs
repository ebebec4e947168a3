using Cluster.Domain.Hosting;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Cluster.Domain.Tests.Hosting;

/// <summary>The background checkpoint moves a SQLite write-ahead log into its database, and resets a log past its size.</summary>
public sealed class WalCheckpointerSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cluster-log-tests", Guid.NewGuid().ToString("N"));
    // Stays open: SQLite checkpoints and deletes the log when its last connection closes.
    private SqliteConnection? _writer;

    private string WriteOneMegabyteWithoutCheckpoints()
    {
        Directory.CreateDirectory(_dir);
        var file = Path.Combine(_dir, "journal.db");
        _writer = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        _writer.Open();
        using var command = _writer.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (b BLOB);";
        command.ExecuteNonQuery();
        command.CommandText = "INSERT INTO t VALUES (randomblob(100000));";
        for (var i = 0; i < 10; i++) command.ExecuteNonQuery();
        return file;
    }

    private static (int Log, int Checkpointed) WalFrames(string file)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);"; // returns (busy, log frames, checkpointed frames)
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(1), reader.GetInt32(2));
    }

    [Fact]
    public void A_log_past_its_size_is_truncated()
    {
        var file = WriteOneMegabyteWithoutCheckpoints();
        Assert.True(new FileInfo(file + "-wal").Length > 1_000_000);

        Sys.ActorOf(WalCheckpointer.Props(file, TimeSpan.FromMilliseconds(100), truncateBytes: 64 * 1024));

        AwaitCondition(() => new FileInfo(file + "-wal").Length == 0, TimeSpan.FromSeconds(10));
        Assert.Equal((0, 0), WalFrames(file));
    }

    [Fact]
    public void A_small_log_is_copied_into_the_database_and_kept()
    {
        var file = WriteOneMegabyteWithoutCheckpoints();
        var databaseBefore = new FileInfo(file).Length;

        Sys.ActorOf(WalCheckpointer.Props(file, TimeSpan.FromMilliseconds(100), truncateBytes: 64L << 20));

        AwaitCondition(() => new FileInfo(file).Length > databaseBefore + 900_000, TimeSpan.FromSeconds(10));
        Assert.True(new FileInfo(file + "-wal").Length > 1_000_000);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _writer?.Dispose();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
