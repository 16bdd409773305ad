using Jumpstart.Shared.Sqlite;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Store.Catalog;

/// <summary>
/// The fog's catalog in one SQLite file (opened by <see cref="SqliteDatabase"/>: WAL, synchronous=FULL, mode
/// 0600): block servers and their tokens, stored files with their keys, and the block map (where every
/// combination lives, its random number and MAC). A file appears only once all of its combinations were stored: one transaction writes it.
/// </summary>
public sealed partial class StoreCatalog : IDisposable
{
    /// <summary>Default catalog of a host.</summary>
    public const string DefaultPath = "/var/lib/jumpstart/store/fog.db";

    private const string SchemaV1 = """
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
        var database = new SqliteDatabaseOptions
        {
            Path = Path.GetFullPath(path),
            Description = "store catalog",
            Migrations = [new SqliteMigration(1, SchemaV1)],
            Synchronous = SqliteSynchronous.Full,

            // Keys live here: the file is created private before SQLite opens it.
            CreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        try
        {
            return new StoreCatalog(SqliteDatabase.Open(database));
        }
        catch (SqliteDatabaseException ex)
        {
            throw new StoreCatalogException(ex.Message, ex);
        }
    }

    public void Dispose() => _connection.Dispose();

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
