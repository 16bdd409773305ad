namespace Jumpstart.Shared.Sqlite;

/// <summary>How <see cref="SqliteDatabase"/> opens one database file: where, which pragmas, which schema.</summary>
public sealed record SqliteDatabaseOptions
{
    /// <summary>Default time a statement waits for another connection's lock before it fails with a busy error.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The database file (created, with its directory, when missing).</summary>
    public required string Path { get; init; }

    /// <summary>What the file is, for messages ("CMS database", "store catalog").</summary>
    public required string Description { get; init; }

    /// <summary>The schema steps, versions 1..N in order; the database ends at version N.</summary>
    public required IReadOnlyList<SqliteMigration> Migrations { get; init; }

    /// <summary><c>PRAGMA synchronous</c> of every connection.</summary>
    public SqliteSynchronous Synchronous { get; init; } = SqliteSynchronous.Full;

    /// <summary><c>PRAGMA busy_timeout</c> of every connection.</summary>
    public TimeSpan BusyTimeout { get; init; } = DefaultBusyTimeout;

    /// <summary><c>PRAGMA foreign_keys</c> of every connection.</summary>
    public bool ForeignKeys { get; init; } = true;

    /// <summary>Whether closed connections return to Microsoft.Data.Sqlite's pool (for a connection per operation).</summary>
    public bool Pooling { get; init; }

    /// <summary>
    /// When set, a missing file is created with this mode before SQLite opens it (its -wal and -shm files inherit
    /// the mode), so a file holding keys is never readable by others, not even for a moment.
    /// </summary>
    public UnixFileMode? CreateMode { get; init; }

    /// <summary>The schema version this code writes (the last migration's).</summary>
    public int LatestVersion => Migrations.Count == 0 ? 0 : Migrations[^1].Version;
}
