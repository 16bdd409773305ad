using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Shared.Sqlite;

/// <summary>
/// Opens every database of the project the same way: creates the file (private when asked), sets WAL,
/// synchronous, busy_timeout and foreign_keys, brings the schema up to date through its <c>schema_version</c>
/// table, refuses a schema newer than the code, and turns SQLite's errors into <see cref="SqliteDatabaseException"/>s.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite's async methods run synchronously (https://learn.microsoft.com/dotnet/standard/data/sqlite/async),
/// so this helper is synchronous too. Pragmas: https://sqlite.org/pragma.html; WAL: https://sqlite.org/wal.html.
/// </remarks>
public static class SqliteDatabase
{
    private const string SchemaVersionTable = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT;";

    /// <summary>
    /// Opens the database (creating it if missing), migrates it to <see cref="SqliteDatabaseOptions.LatestVersion"/>
    /// and returns an open connection with the options' pragmas. The caller owns the connection.
    /// </summary>
    /// <exception cref="SqliteSchemaException">The file holds a newer schema, or a migration step failed (nothing changed).</exception>
    /// <exception cref="SqliteCorruptException">The file is not a database or is damaged.</exception>
    /// <exception cref="SqliteBusyException">Another process held the file locked longer than the busy timeout.</exception>
    /// <exception cref="SqliteDatabaseException">Any other failure (permissions, disk full, ...).</exception>
    public static SqliteConnection Open(SqliteDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckMigrations(options);
        Prepare(options);
        return Configure(options, connection =>
        {
            // Read before anything is written: a newer file is refused untouched (journal_mode=WAL rewrites the
            // header of a file in rollback mode), and a current one is opened without taking the write lock.
            var found = ReadVersion(connection, options);
            if (found == options.LatestVersion)
            {
                EnsureWal(connection);
                return;
            }

            EnsureWal(connection);
            Migrate(connection, options);
        });
    }

    /// <summary>
    /// A new connection with the options' pragmas to a database <see cref="Open"/> has already prepared (for
    /// stores that take one connection per operation from the pool).
    /// </summary>
    /// <exception cref="SqliteDatabaseException">The file cannot be opened (a typed subclass where SQLite says why).</exception>
    public static SqliteConnection Connect(SqliteDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Configure(options, _ => { });
    }

    /// <summary>Closes the pooled connections of this database, so the file is released (a restarted store, a test that deletes it).</summary>
    public static void ReleasePool(SqliteDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var connection = new SqliteConnection(ConnectionString(options));
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Opens a connection, sets the per-connection pragmas and runs <paramref name="setup"/>; on failure the
    /// connection is closed and SQLite's error becomes a typed one.</summary>
    private static SqliteConnection Configure(SqliteDatabaseOptions options, Action<SqliteConnection> setup)
    {
        var connection = new SqliteConnection(ConnectionString(options));
        try
        {
            connection.Open();
            var synchronous = options.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
            var busyMs = (long)options.BusyTimeout.TotalMilliseconds;
            var foreignKeys = options.ForeignKeys ? "ON" : "OFF";
            Execute(
                connection,
                null,
                string.Create(CultureInfo.InvariantCulture, $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout={busyMs}; PRAGMA foreign_keys={foreignKeys};"));
            setup(connection);
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw SqliteErrors.Translate(ex, options.Path, options.Description);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <remarks>
    /// Microsoft.Data.Sqlite retries a busy statement itself until its command timeout (30 s by default), on top of
    /// SQLite's busy_timeout; the command timeout is set to the busy timeout (whole seconds, at least 1) so a caller
    /// waits about what it asked for, not 30 s.
    /// </remarks>
    private static string ConnectionString(SqliteDatabaseOptions options)
        => new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = options.Pooling,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();

    private static void CheckMigrations(SqliteDatabaseOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.Path);
        for (var i = 0; i < options.Migrations.Count; i++)
        {
            if (options.Migrations[i].Version != i + 1)
            {
                throw new ArgumentException($"migration {i} of {options.Description} has version {options.Migrations[i].Version}; versions run 1, 2, 3... without gaps", nameof(options));
            }
        }
    }

    /// <exception cref="SqliteDatabaseException">The directory or the file cannot be created (permissions, a full disk,
    /// a file where the directory should be).</exception>
    private static void Prepare(SqliteDatabaseOptions options)
    {
        var full = Path.GetFullPath(options.Path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            if (options.CreateMode is not { } mode || OperatingSystem.IsWindows() || File.Exists(full))
            {
                return;
            }

            try
            {
                using var created = new FileStream(full, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
            }
            catch (IOException) when (File.Exists(full))
            {
                // Another opener created it first, with the same mode.
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SqliteDatabaseException($"cannot create {options.Description} '{options.Path}': {ex.Message}", options.Path, resultCode: 0, ex);
        }
    }

    /// <summary>
    /// The file's schema version (0 for a new file) read without writing; a version newer than the code is refused
    /// here, before the file is touched.
    /// </summary>
    private static int ReadVersion(SqliteConnection connection, SqliteDatabaseOptions options)
    {
        using (var exists = Command(connection, null, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version';"))
        {
            if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                return 0;
            }
        }

        using var query = Command(connection, null, "SELECT MAX(version) FROM schema_version;");
        var found = query.ExecuteScalar();
        var version = found is null or DBNull ? 0 : Convert.ToInt32(found, CultureInfo.InvariantCulture);
        if (version > options.LatestVersion)
        {
            throw NewerSchema(options, version);
        }

        return version;
    }

    private static SqliteSchemaException NewerSchema(SqliteDatabaseOptions options, int found)
        => new(
            $"{options.Description} '{options.Path}' has schema version {found}; this version understands up to {options.LatestVersion}",
            options.Path,
            found,
            options.LatestVersion);

    /// <summary>Sets WAL unless the file is in WAL already (setting it again would be a no-op, but asking costs no write).</summary>
    private static void EnsureWal(SqliteConnection connection)
    {
        using var mode = Command(connection, null, "PRAGMA journal_mode;");
        if (!string.Equals(mode.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase))
        {
            Execute(connection, null, "PRAGMA journal_mode=WAL;");
        }
    }

    private static void Migrate(SqliteConnection connection, SqliteDatabaseOptions options)
    {
        // Non-deferred = BEGIN IMMEDIATE: two processes opening an old file at once migrate it one after the other.
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, SchemaVersionTable);
        var found = CurrentVersion(connection, transaction);
        if (found > options.LatestVersion)
        {
            // Another process moved it on between the read and the lock.
            throw NewerSchema(options, found);
        }

        foreach (var migration in options.Migrations.Where(m => m.Version > found))
        {
            try
            {
                using var step = Command(connection, transaction, migration.Sql);
                step.ExecuteNonQuery();
                using var record = Command(connection, transaction, "INSERT INTO schema_version (version) VALUES ($version);");
                record.Parameters.AddWithValue("$version", migration.Version);
                record.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                var typed = SqliteErrors.Translate(ex, options.Path, options.Description);
                if (typed is SqliteBusyException or SqliteCorruptException)
                {
                    throw typed;
                }

                throw new SqliteSchemaException(
                    $"{options.Description} '{options.Path}': migration from version {migration.Version - 1} to {migration.Version} failed: {SqliteDatabaseException.Reason(ex)}",
                    options.Path,
                    found,
                    options.LatestVersion,
                    ex);
            }
        }

        transaction.Commit();
    }

    private static int CurrentVersion(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var query = Command(connection, transaction, "SELECT MAX(version) FROM schema_version;");
        var found = query.ExecuteScalar();
        return found is null or DBNull ? 0 : Convert.ToInt32(found, CultureInfo.InvariantCulture);
    }

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
