using System.Globalization;
using Jumpstart.Shared.Sqlite;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Cms.Storage;

/// <summary>
/// The CMS's durable state in one SQLite file (opened by <see cref="SqliteDatabase"/>: WAL, synchronous=FULL):
/// deployments, their waiting lists, registrations, roles and reports. Every change is one IMMEDIATE transaction; writers are
/// serialized in-process so concurrent registrations queue instead of failing with SQLITE_BUSY.
/// </summary>
/// <remarks>One CMS process owns a database file; two CMS processes on the same file are not supported.</remarks>
internal sealed partial class CmsStore : ICmsStore
{
    /// <summary>The schema this code writes; a database with a newer version is refused, not guessed at.</summary>
    public const int CurrentSchemaVersion = 1;

    private readonly SqliteDatabaseOptions _database;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private CmsStore(SqliteDatabaseOptions database)
    {
        _database = database;
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and brings its schema up to date.</summary>
    /// <exception cref="CmsStoreException">The file is not a CMS database this version understands.</exception>
    public static Task<CmsStore> OpenAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        cancellationToken.ThrowIfCancellationRequested();
        var database = new SqliteDatabaseOptions
        {
            Path = path,
            Description = "CMS database",
            Migrations = [new SqliteMigration(1, SchemaV1)],
            Synchronous = SqliteSynchronous.Full,
            Pooling = true,
        };
        try
        {
            SqliteDatabase.Open(database).Dispose();
        }
        catch (SqliteDatabaseException ex)
        {
            SqliteDatabase.ReleasePool(database);
            throw new CmsStoreException(ex.Message, ex);
        }

        return Task.FromResult(new CmsStore(database));
    }

    public void Dispose()
    {
        // Pooled connections keep the file open; release them so a restarted CMS (or a test) starts clean.
        SqliteDatabase.ReleasePool(_database);
        _writeGate.Dispose();
    }

    private const string SchemaV1 = """
        CREATE TABLE deployments (
            deployment_id TEXT PRIMARY KEY,
            policy_json   TEXT NOT NULL,
            roles_json    TEXT NOT NULL,
            created_at    TEXT NOT NULL
        ) STRICT;
        CREATE TABLE instances (
            deployment_id  TEXT NOT NULL REFERENCES deployments(deployment_id) ON DELETE CASCADE,
            instance_id    TEXT NOT NULL,
            token_digest   BLOB NOT NULL,
            rank           INTEGER,
            hostname       TEXT,
            addresses_json TEXT NOT NULL DEFAULT '[]',
            role           TEXT,
            variables_json TEXT NOT NULL DEFAULT '{}',
            phase          TEXT NOT NULL,
            detail         TEXT,
            arrival        INTEGER,
            registered_at  TEXT,
            updated_at     TEXT,
            last_heartbeat TEXT,
            PRIMARY KEY (deployment_id, instance_id)
        ) STRICT;
        CREATE UNIQUE INDEX instances_token ON instances (deployment_id, token_digest);
        """;

    private Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(SqliteDatabase.Connect(_database));
    }

    /// <summary>
    /// Called after each committed change of an instance row, with the row as committed, while the
    /// write gate is still held: observers see changes in commit order.
    /// </summary>
    public Func<InstanceRecord, Task>? InstanceCommitted { get; set; }

    /// <summary>Never called: this process is the only writer and deletes through this store.</summary>
    public Action<string>? DeploymentRemoved { get; set; }

    public bool Shared => false;

    public int MaxRegistrationBatch => RegistrationQueue.MaxBatch;

    /// <summary>
    /// Runs <paramref name="body"/> in one IMMEDIATE transaction, one writer at a time. The body adds
    /// every instance row it changed (as committed) to the list it is given; they go to
    /// <see cref="InstanceCommitted"/> after the commit.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, List<InstanceRecord>, Task<T>> body, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);

            // Microsoft.Data.Sqlite starts a non-deferred transaction with BEGIN IMMEDIATE: the write lock is taken up front.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var changed = new List<InstanceRecord>();
            var result = await body(connection, transaction, changed);
            await transaction.CommitAsync(cancellationToken);
            if (InstanceCommitted is { } observer)
            {
                foreach (var record in changed)
                {
                    await observer(record);
                }
            }

            return result;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
        => SqliteCommands.Create(connection, transaction, sql, parameters);

    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseTime(SqliteDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture);
}
