using Npgsql;

namespace Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A database of its own on the PostgreSQL server that .ci/run starts (its connection string
/// is in CLUSTER_TEST_POSTGRES), dropped afterwards. As in Cluster.Domain.Tests, a missing
/// server is a failed test, not a skip.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private PostgresDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ToString();
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("CLUSTER_TEST_POSTGRES")
            ?? throw new InvalidOperationException("CLUSTER_TEST_POSTGRES is not set: run the tests through .ci/run, which starts PostgreSQL");
        var name = "cluster_e2e_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new PostgresDatabase(admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
