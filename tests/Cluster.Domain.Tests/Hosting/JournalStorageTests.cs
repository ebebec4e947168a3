using Akka.Configuration;
using Cluster.Domain.Hosting;
using LinqToDB.Data;
using Xunit;

namespace Cluster.Domain.Tests.Hosting;

/// <summary>The flush policy reaches every journal connection: synchronous=NORMAL (1) by default, FULL (2) with flush-on-append; no connection checkpoints on commit.</summary>
public sealed class JournalStorageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cluster-log-tests", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("off", 1)]
    [InlineData("on", 2)]
    public void The_flush_policy_sets_sqlite_synchronous_on_every_connection(string flush, int expected)
    {
        var settings = new BrokerNodeSettings { DataDir = _dir, ExtraHocon = $"cluster-log.storage.flush-on-append = {flush}" };
        var setup = JournalStorage.Setup(settings, NodeConfig.Build(settings));
        foreach (var plugin in new[] { JournalStorage.JournalPluginId, JournalStorage.SnapshotPluginId })
        {
            Assert.True(setup.TryGetDataOptionsFor(plugin, out var options));
            using var connection = new DataConnection(options);
            Assert.Equal(expected, connection.Execute<int>("PRAGMA synchronous;"));
            Assert.Equal("wal", connection.Execute<string>("PRAGMA journal_mode;"));
            // Checkpoints are the WalCheckpointer's, never a commit's.
            Assert.Equal(0, connection.Execute<int>("PRAGMA wal_autocheckpoint;"));
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
