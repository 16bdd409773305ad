using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Store.Catalog;

/// <summary>
/// The fog's catalog in one SQLite file (WAL, synchronous=FULL, mode 0600): block servers and their tokens,
/// stored files with their keys, and the block map (where every combination lives, its random number and
/// MAC). A file appears only once all of its combinations were stored: one transaction writes it.
/// </summary>
public sealed partial class StoreCatalog : IDisposable
{
    /// <summary>Default catalog of a host.</summary>
    public const string DefaultPath = "/var/lib/jumpstart/store/fog.db";

    private const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS servers (
            name TEXT PRIMARY KEY, endpoint TEXT NOT NULL, token TEXT NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS files (
            id BLOB PRIMARY KEY, name TEXT NOT NULL UNIQUE, length INTEGER NOT NULL, block_size INTEGER NOT NULL,
            servers TEXT NOT NULL, kind TEXT NOT NULL, created TEXT NOT NULL, file_key BLOB NOT NULL,
            nonce_prefix INTEGER NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS combinations (
            file_id BLOB NOT NULL REFERENCES files(id) ON DELETE CASCADE, stripe INTEGER NOT NULL, slot INTEGER NOT NULL,
            server TEXT NOT NULL, object_id TEXT NOT NULL, nonce BLOB NOT NULL, mac BLOB NOT NULL,
            PRIMARY KEY (file_id, stripe, slot)) STRICT;
        CREATE INDEX IF NOT EXISTS combinations_server ON combinations(server);
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private StoreCatalog(SqliteConnection connection)
    {
        _connection = connection;
    }

    /// <summary>Opens (creating with mode 0600 if needed) the catalog at <paramref name="path"/>.</summary>
    /// <exception cref="StoreCatalogException">Not a catalog this version understands.</exception>
    public static StoreCatalog Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (!File.Exists(full))
        {
            // Keys live here: create it private before SQLite does (its -wal and -shm inherit the mode).
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var created = new FileStream(full, options);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;");
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, Schema);
            using (var query = Command(connection, transaction, "SELECT MAX(version) FROM schema_version;"))
            {
                var found = query.ExecuteScalar();
                var version = found is null or DBNull ? 0 : Convert.ToInt32(found, CultureInfo.InvariantCulture);
                if (version > SchemaVersion)
                {
                    throw new StoreCatalogException($"catalog '{path}' has schema version {version}; this version understands up to {SchemaVersion}");
                }

                if (version < SchemaVersion)
                {
                    Execute(connection, transaction, $"INSERT INTO schema_version VALUES ({SchemaVersion});");
                }
            }

            transaction.Commit();
            return new StoreCatalog(connection);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new StoreCatalogException($"cannot use store catalog '{path}': {ex.Message}", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose() => _connection.Dispose();

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = Command(connection, transaction, sql);
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
