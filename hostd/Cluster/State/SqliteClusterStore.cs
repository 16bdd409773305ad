using System.Text.Json;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Sqlite;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Cluster.State;

/// <summary>
/// <see cref="IClusterStore"/> on one SQLite file (opened by <see cref="SqliteDatabase"/>: WAL, synchronous=FULL, mode
/// 0600), for a single manager. Every change is one IMMEDIATE transaction; writers are serialized in-process.
/// </summary>
/// <remarks>One manager process owns the file; several managers need the etcd store.</remarks>
public sealed partial class SqliteClusterStore : IClusterStore
{
    private readonly SqliteDatabaseOptions _database;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private SqliteClusterStore(SqliteDatabaseOptions database)
    {
        _database = database;
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and brings its schema up to date.</summary>
    /// <exception cref="ClusterStoreException">The file is not a cluster database this version understands.</exception>
    public static SqliteClusterStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var database = new SqliteDatabaseOptions
        {
            Path = path,
            Description = "cluster manager database",
            Migrations = [new SqliteMigration(1, SchemaV1)],
            Synchronous = SqliteSynchronous.Full,
            Pooling = true,
            CreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        try
        {
            SqliteDatabase.Open(database).Dispose();
        }
        catch (SqliteDatabaseException ex)
        {
            SqliteDatabase.ReleasePool(database);
            throw new ClusterStoreException(ex.Message, ex);
        }

        return new SqliteClusterStore(database);
    }

    public void Dispose()
    {
        SqliteDatabase.ReleasePool(_database);
        _writeGate.Dispose();
    }

    private const string SchemaV1 = """
        CREATE TABLE hosts (
            name              TEXT PRIMARY KEY,
            role              TEXT NOT NULL,
            state             TEXT NOT NULL,
            endpoint          TEXT NOT NULL,
            serial            TEXT NOT NULL,
            certificate       TEXT NOT NULL,
            joined_at         INTEGER NOT NULL,
            last_heartbeat_at INTEGER,
            capacity_json     TEXT
        ) STRICT;
        CREATE TABLE tokens (
            id         TEXT PRIMARY KEY,
            digest     BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            max_uses   INTEGER NOT NULL,
            used       INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE TABLE revocations (
            serial     TEXT PRIMARY KEY,
            host       TEXT NOT NULL,
            revoked_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE counters (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE deployments (
            id         TEXT PRIMARY KEY,
            bundle     TEXT NOT NULL,
            spec_json  TEXT NOT NULL,
            state      TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE placements (
            deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
            instance      TEXT NOT NULL,
            host          TEXT NOT NULL,
            state         TEXT NOT NULL,
            PRIMARY KEY (deployment_id, instance)
        ) STRICT;
        CREATE TABLE bundle_holdings (
            host   TEXT NOT NULL,
            bundle TEXT NOT NULL,
            since  INTEGER NOT NULL,
            PRIMARY KEY (host, bundle)
        ) STRICT;
        CREATE INDEX bundle_holdings_bundle ON bundle_holdings (bundle);
        """;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs <paramref name="body"/> in one IMMEDIATE transaction, one writer at a time.</summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> body, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            return Guard(() =>
            {
                using var connection = SqliteDatabase.Connect(_database);

                // Microsoft.Data.Sqlite starts a non-deferred transaction with BEGIN IMMEDIATE: the write lock is taken up front.
                using var transaction = connection.BeginTransaction(deferred: false);
                var result = body(connection, transaction);
                transaction.Commit();
                return result;
            });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> body, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Guard(() =>
        {
            using var connection = SqliteDatabase.Connect(_database);
            return body(connection);
        }));
    }

    private T Guard<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (SqliteDatabaseException ex)
        {
            throw new ClusterStoreException(ex.Message, ex);
        }
        catch (SqliteException ex)
        {
            var typed = SqliteErrors.Translate(ex, _database.Path, _database.Description);
            throw new ClusterStoreException(typed.Message, typed);
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
        => SqliteCommands.Create(connection, transaction, sql, parameters);

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static long? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteScalar() is long value ? value : null;
    }

    private static long Time(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private static DateTimeOffset? OptionalTime(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Time(reader.GetInt64(ordinal));

    private static string? CapacityJson(HostCapacity? capacity) => capacity is null ? null : JsonSerializer.Serialize(capacity with { Bundles = [] }, s_json);

    private static HostCapacity? Capacity(SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : JsonSerializer.Deserialize<HostCapacity>(reader.GetString(ordinal), s_json);
}
