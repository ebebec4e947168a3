using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using Microsoft.Data.Sqlite;

namespace Cluster.Domain.Hosting;

/// <summary>
/// Connects Akka.Persistence.Sql to this node's own store: SQLite files in its data dir
/// (journal and snapshots apart, so snapshot writes never wait on the journal's lock), or
/// its own PostgreSQL database.
/// </summary>
public static class JournalStorage
{
    public const string JournalPluginId = "akka.persistence.journal.sql";
    public const string SnapshotPluginId = "akka.persistence.snapshot-store.sql";

    public static MultiDataOptionsSetup Setup(BrokerNodeSettings settings, Config config)
    {
        var setup = new MultiDataOptionsSetup();
        if (settings.Storage == StorageKind.Postgres)
        {
            var options = new DataOptions().UseConnectionString(ProviderName.PostgreSQL, settings.ConnectionString
                ?? throw new ArgumentException("PostgreSQL storage needs a connection string"));
            setup.AddDataOptions(JournalPluginId, options);
            setup.AddDataOptions(SnapshotPluginId, options);
            return setup;
        }

        Directory.CreateDirectory(settings.DataDir);
        var pragmas = $"PRAGMA synchronous={(config.GetBoolean("cluster-log.storage.flush-on-append") ? "FULL" : "NORMAL")}; " +
                      $"PRAGMA wal_autocheckpoint={config.GetInt("cluster-log.storage.wal-autocheckpoint-pages")};";
        setup.AddDataOptions(JournalPluginId, Sqlite(Path.Combine(settings.DataDir, JournalFile), pragmas));
        setup.AddDataOptions(SnapshotPluginId, Sqlite(Path.Combine(settings.DataDir, SnapshotFile), pragmas));
        return setup;
    }

    private const string JournalFile = "journal.db";
    private const string SnapshotFile = "snapshots.db";

    /// <summary>On SQLite, one <see cref="WalCheckpointer"/> per file of the store.</summary>
    public static void StartCheckpointers(ActorSystem system, BrokerNodeSettings settings)
    {
        if (settings.Storage == StorageKind.Postgres) return;
        var config = system.Settings.Config;
        var interval = config.GetTimeSpan("cluster-log.storage.wal-checkpoint-interval");
        var truncateBytes = config.GetByteSize("cluster-log.storage.wal-truncate-bytes")!.Value;
        foreach (var file in new[] { JournalFile, SnapshotFile })
            system.ActorOf(WalCheckpointer.Props(Path.Combine(settings.DataDir, file), interval, truncateBytes),
                "wal-checkpointer-" + Path.GetFileNameWithoutExtension(file));
    }

    internal static string SqliteConnectionString(string file) =>
        new SqliteConnectionStringBuilder { DataSource = file, Pooling = true }.ToString();

    private static DataOptions Sqlite(string file, string pragmas)
    {
        var connectionString = SqliteConnectionString(file);
        // WAL lets readers (fetches of old data) run beside the writer; it is a property of
        // the file, set once. synchronous and wal_autocheckpoint are per connection.
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
        return new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseAfterConnectionOpened(
                connection => Apply(connection, pragmas),
                (connection, _) =>
                {
                    Apply(connection, pragmas);
                    return Task.CompletedTask;
                });
    }

    private static void Apply(System.Data.Common.DbConnection connection, string pragmas)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        command.ExecuteNonQuery();
    }
}
