using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData.Durable;
using Akka.Event;
using Microsoft.Data.Sqlite;

namespace Cluster.Domain.Controller;

/// <summary>
/// Durable store for Akka.DistributedData on SQLite, used instead of Akka's LightningDB store
/// (which does not run here: see shared/notes/stack-facts.md). Enable it with
/// <c>akka.cluster.distributed-data.durable.store-actor-class =
/// "Cluster.Domain.Controller.SqliteDurableStore, Cluster.Domain"</c> (hocon/ddata-durable.conf).
/// <para>
/// Protocol (Akka.DistributedData.Durable): the Replicator creates this actor as its child, passing
/// the <c>durable</c> config section, and sends <see cref="LoadAll"/> once. We answer with
/// <see cref="LoadData"/> chunks and one <see cref="LoadAllCompleted"/>, or throw
/// <see cref="LoadFailedException"/>, which makes the Replicator stop itself: a node must not
/// serve metadata it failed to load. Afterwards every <see cref="Store"/> is written and, when it
/// carries a <see cref="StoreReply"/>, answered only once the write is committed (fsynced).
/// </para>
/// <para>
/// One row per key. The payload is the whole <see cref="DurableDataEnvelope"/> serialized by Akka's
/// serialization system; the row keeps the serializer id and manifest used, and the envelope's
/// serializer in turn records the id and manifest of the value inside it, so values that use our
/// own binary serializers round-trip.
/// </para>
/// </summary>
public sealed class SqliteDurableStore : ReceiveActor, IWithTimers
{
    /// <summary>Config path (relative to <c>akka.cluster.distributed-data.durable</c>) of our section.</summary>
    public const string ConfigSection = "sqlite";

    // Keeps each LoadData message well below remoting frame sizes and the Replicator's
    // per-message work small; the Replicator accepts any number of chunks.
    private const int LoadChunkSize = 256;
    private const string WriteBehindTimerKey = "write-behind";

    private sealed class WriteBehind : IDeadLetterSuppression
    {
        public static readonly WriteBehind Instance = new();
        private WriteBehind() { }
    }

    private readonly string _configuredPath;
    private readonly TimeSpan _writeBehindInterval; // Zero = write through
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Write-behind buffer: only the latest value per key is written, and the replies wait for
    // the commit so that StoreReply success still means "on disk".
    private readonly Dictionary<string, DurableDataEnvelope> _pending = new();
    private readonly List<StoreReply> _pendingReplies = new();

    private SqliteConnection? _connection;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Called by the Replicator (via <c>Props.Create(type, durableConfig)</c>).</summary>
    /// <param name="durableConfig">The <c>akka.cluster.distributed-data.durable</c> section.</param>
    public SqliteDurableStore(Config durableConfig)
    {
        var sqlite = durableConfig.GetConfig(ConfigSection);
        // Not validated here: a constructor exception would surface as an opaque
        // ActorInitializationException. LoadAll reports a missing path as a LoadFailedException.
        _configuredPath = sqlite?.GetString("path", "") ?? "";

        var writeBehind = sqlite?.GetString("write-behind-interval", "off")?.Trim().ToLowerInvariant() ?? "off";
        _writeBehindInterval = writeBehind is "" or "off" or "false" or "no"
            ? TimeSpan.Zero
            : sqlite!.GetTimeSpan("write-behind-interval");

        _serialization = Context.System.Serialization;

        Receive<LoadAll>(_ => LoadAllEntries());
    }

    public static Props Props(Config durableConfig) =>
        Akka.Actor.Props.Create(() => new SqliteDurableStore(durableConfig));

    /// <summary>Full path of the database file, or null when the path is not configured.</summary>
    public string? DatabasePath =>
        string.IsNullOrWhiteSpace(_configuredPath) ? null : Path.GetFullPath(_configuredPath);

    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        // The Replicator loads only once, on first start. After a restart (a failed Store throws
        // to get a fresh connection) we go straight to storing; the connection opens lazily.
        Become(Active);
    }

    protected override void PostStop()
    {
        try
        {
            if (_pending.Count > 0) Flush();
        }
        catch (Exception e)
        {
            // Flush already replied failure to the waiting writers; nothing more to do on the way out.
            _log.Error(e, "Failed to write pending durable data on stop");
        }
        finally
        {
            _connection?.Dispose();
            _connection = null;
            base.PostStop();
        }
    }

    private void Active()
    {
        Receive<Store>(HandleStore);
        Receive<WriteBehind>(_ => Flush());
    }

    private void LoadAllEntries()
    {
        var sw = Stopwatch.StartNew();
        var count = 0;
        try
        {
            var connection = EnsureOpen();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT key, serializer_id, manifest, payload FROM ddata";
            using var reader = cmd.ExecuteReader();
            var chunk = ImmutableDictionary.CreateBuilder<string, DurableDataEnvelope>();
            while (reader.Read())
            {
                var key = reader.GetString(0);
                var envelope = Deserialize(key, reader.GetInt32(1), reader.GetString(2), (byte[])reader.GetValue(3));
                chunk[key] = envelope;
                count++;
                if (chunk.Count >= LoadChunkSize)
                {
                    Sender.Tell(new LoadData(chunk.ToImmutable()));
                    chunk.Clear();
                }
            }
            if (chunk.Count > 0) Sender.Tell(new LoadData(chunk.ToImmutable()));
        }
        catch (Exception e)
        {
            throw new LoadFailedException(
                $"Failed to load durable distributed data from SQLite [{DatabasePath ?? "<path not set>"}]: {e.Message}", e);
        }

        Sender.Tell(LoadAllCompleted.Instance);
        _log.Info("Loaded {0} durable distributed-data entries from [{1}] in {2} ms",
            count, DatabasePath, sw.ElapsedMilliseconds);
        Become(Active);
    }

    private void HandleStore(Store store)
    {
        if (_writeBehindInterval == TimeSpan.Zero)
        {
            try
            {
                WriteRows([new KeyValuePair<string, DurableDataEnvelope>(store.Key, store.Data)]);
            }
            catch (Exception e)
            {
                _log.Error(e, "Failed to store durable data [{0}] in [{1}]", store.Key, DatabasePath);
                store.Reply?.ReplyTo.Tell(store.Reply.FailureMessage);
                // Restart for a fresh connection; the Replicator's default supervision restarts us.
                throw;
            }
            store.Reply?.ReplyTo.Tell(store.Reply.SuccessMessage);
            return;
        }

        // Write-behind: start the timer on the first pending write only, so a steady stream of
        // writes is flushed every interval rather than postponed indefinitely.
        if (_pending.Count == 0)
            Timers.StartSingleTimer(WriteBehindTimerKey, WriteBehind.Instance, _writeBehindInterval);
        _pending[store.Key] = store.Data;
        if (store.Reply is not null) _pendingReplies.Add(store.Reply);
    }

    private void Flush()
    {
        if (_pending.Count == 0) return;
        var replies = _pendingReplies.ToArray();
        var rows = _pending.ToArray();
        _pending.Clear();
        _pendingReplies.Clear();
        try
        {
            WriteRows(rows);
        }
        catch (Exception e)
        {
            _log.Error(e, "Failed to store {0} durable data entries in [{1}]", rows.Length, DatabasePath);
            foreach (var r in replies) r.ReplyTo.Tell(r.FailureMessage);
            throw;
        }
        foreach (var r in replies) r.ReplyTo.Tell(r.SuccessMessage);
    }

    /// <summary>Upserts the rows in one transaction (one fsync with synchronous=FULL).</summary>
    private void WriteRows(IReadOnlyCollection<KeyValuePair<string, DurableDataEnvelope>> rows)
    {
        var sw = Stopwatch.StartNew();
        var connection = EnsureOpen();
        using var tx = connection.BeginTransaction();
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText =
            "INSERT OR REPLACE INTO ddata (key, serializer_id, manifest, payload) VALUES ($key, $sid, $manifest, $payload)";
        var pKey = cmd.Parameters.Add("$key", SqliteType.Text);
        var pSid = cmd.Parameters.Add("$sid", SqliteType.Integer);
        var pManifest = cmd.Parameters.Add("$manifest", SqliteType.Text);
        var pPayload = cmd.Parameters.Add("$payload", SqliteType.Blob);
        foreach (var (key, envelope) in rows)
        {
            var serializer = _serialization.FindSerializerFor(envelope);
            pKey.Value = key;
            pSid.Value = serializer.Identifier;
            pManifest.Value = Akka.Serialization.Serialization.ManifestFor(serializer, envelope);
            pPayload.Value = serializer.ToBinary(envelope);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        if (_log.IsDebugEnabled)
            _log.Debug("Stored {0} durable data entries in {1} ms", rows.Count, sw.Elapsed.TotalMilliseconds);
    }

    private DurableDataEnvelope Deserialize(string key, int serializerId, string manifest, byte[] payload)
    {
        try
        {
            return (DurableDataEnvelope)_serialization.Deserialize(payload, serializerId, manifest);
        }
        catch (Exception e)
        {
            // Fail the whole load rather than skip: silently dropping controller metadata is worse
            // than a node that refuses to start and says which key is unreadable.
            throw new InvalidOperationException(
                $"Cannot deserialize durable key [{key}] (serializer {serializerId}, manifest [{manifest}])", e);
        }
    }

    private SqliteConnection EnsureOpen()
    {
        if (_connection is not null) return _connection;

        var path = DatabasePath ?? throw new InvalidOperationException(
            "akka.cluster.distributed-data.durable.sqlite.path is not set (the node sets it to <data-dir>/ddata.db)");
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // No pooling: Dispose must really close the file, so that a node restarted in the same
            // process (or a test deleting its folder) does not find it still held open.
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            // WAL: writers append to the log instead of rewriting pages (faster small writes).
            // synchronous=FULL: fsync the WAL on every commit; the data is tiny and a StoreReply
            // success must survive power loss (NORMAL in WAL mode may lose the last commits).
            cmd.CommandText = "PRAGMA journal_mode=WAL";
            var mode = cmd.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                _log.Warning("SQLite refused WAL journal mode for [{0}] (got [{1}]); writes will be slower", path, mode);
            cmd.CommandText = """
                PRAGMA synchronous=FULL;
                CREATE TABLE IF NOT EXISTS ddata (
                    key TEXT PRIMARY KEY NOT NULL,
                    serializer_id INTEGER NOT NULL,
                    manifest TEXT NOT NULL,
                    payload BLOB NOT NULL);
                """;
            cmd.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        _connection = connection;
        return connection;
    }
}
