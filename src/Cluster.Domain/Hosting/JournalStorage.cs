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
        var synchronous = config.GetBoolean("cluster-log.storage.flush-on-append") ? "FULL" : "NORMAL";
        setup.AddDataOptions(JournalPluginId, Sqlite(Path.Combine(settings.DataDir, "journal.db"), synchronous));
        setup.AddDataOptions(SnapshotPluginId, Sqlite(Path.Combine(settings.DataDir, "snapshots.db"), synchronous));
        return setup;
    }

    private static DataOptions Sqlite(string file, string synchronous)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = true }.ToString();
        // WAL lets readers (fetches of old data) run beside the writer; it is a property of
        // the file, set once. synchronous is per connection.
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
                connection => SetSynchronous(connection, synchronous),
                (connection, _) =>
                {
                    SetSynchronous(connection, synchronous);
                    return Task.CompletedTask;
                });
    }

    private static void SetSynchronous(System.Data.Common.DbConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA synchronous={mode};";
        command.ExecuteNonQuery();
    }
}
