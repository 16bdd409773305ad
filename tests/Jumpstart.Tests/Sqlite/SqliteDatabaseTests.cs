using System.Diagnostics;
using System.Runtime.Versioning;
using Jumpstart.Shared.Sqlite;
using Jumpstart.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Jumpstart.Tests.Sqlite;

/// <summary>The shared SQLite helper against real database files: pragmas, migrations, refusals, busy and damaged files.</summary>
[SupportedOSPlatform("linux")]
[Trait(Capabilities.Trait, Capabilities.Sqlite)]
public sealed class SqliteDatabaseTests
{
    private static readonly SqliteMigration s_v1 = new(1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;");
    private static readonly SqliteMigration s_v2 = new(2, "ALTER TABLE items ADD COLUMN size INTEGER NOT NULL DEFAULT 0; CREATE INDEX items_name ON items (name);");

    [Fact]
    public void Open_NewFile_CreatesTheSchemaWithWalAndTheAskedPragmas()
    {
        using var directory = new TempDirectory("sqlite");
        var options = Options(directory.Combine("deep", "er", "test.db"), s_v1, s_v2) with
        {
            Synchronous = SqliteSynchronous.Normal,
            BusyTimeout = TimeSpan.FromMilliseconds(1234),
        };

        using var connection = SqliteDatabase.Open(options);

        Assert.Equal("wal", Scalar<string>(connection, "PRAGMA journal_mode;"));
        Assert.Equal(1L, Scalar<long>(connection, "PRAGMA synchronous;"));
        Assert.Equal(1234L, Scalar<long>(connection, "PRAGMA busy_timeout;"));
        Assert.Equal(1L, Scalar<long>(connection, "PRAGMA foreign_keys;"));
        Assert.Equal(2L, Scalar<long>(connection, "SELECT MAX(version) FROM schema_version;"));
        Assert.Equal(1L, Scalar<long>(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'items_name';"));
    }

    [Fact]
    public void Open_FileOfAnOlderVersion_AppliesOnlyTheMissingStepsAndKeepsTheRows()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        using (var old = SqliteDatabase.Open(Options(path, s_v1)))
        {
            Execute(old, "INSERT INTO items (name) VALUES ('kept');");
        }

        using var connection = SqliteDatabase.Open(Options(path, s_v1, s_v2));

        Assert.Equal("kept", Scalar<string>(connection, "SELECT name FROM items WHERE size = 0;"));
        Assert.Equal([1L, 2L], Column(connection, "SELECT version FROM schema_version ORDER BY version;"));
    }

    [Fact]
    public void Open_SameVersionTwice_RunsNoStepAgain()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        SqliteDatabase.Open(Options(path, s_v1, s_v2)).Dispose();

        // Step 2 is not idempotent (ALTER TABLE ADD COLUMN): running it again would fail.
        using var connection = SqliteDatabase.Open(Options(path, s_v1, s_v2));

        Assert.Equal(2L, Scalar<long>(connection, "SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact]
    public void Open_FileOfANewerVersion_IsRefusedWithBothVersionsAndLeftUnchanged()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        using (var newer = Raw(path))
        {
            Execute(newer, "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT; INSERT INTO schema_version VALUES (7); CREATE TABLE future (x);");
        }

        var before = File.ReadAllBytes(path);

        var ex = Assert.Throws<SqliteSchemaException>(() => SqliteDatabase.Open(Options(path, s_v1, s_v2)));

        Assert.Equal((7, 2), (ex.FoundVersion, ex.LatestVersion));
        Assert.Contains("test database", ex.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 7", ex.Message, StringComparison.Ordinal);
        Assert.Contains("up to 2", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
        using var check = Raw(path);
        Assert.Equal(0L, Scalar<long>(check, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'items';"));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Open_StepThatFails_RollsBackEverythingAndSaysWhichStep()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        SqliteDatabase.Open(Options(path, s_v1)).Dispose();
        var broken = new SqliteMigration(2, "CREATE TABLE half (x); INSERT INTO no_such_table VALUES (1);");

        var ex = Assert.Throws<SqliteSchemaException>(() => SqliteDatabase.Open(Options(path, s_v1, broken)));

        Assert.Contains("from version 1 to 2", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(ex.InnerException);
        using var check = Raw(path);
        Assert.Equal(0L, Scalar<long>(check, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half';"));
        Assert.Equal(1L, Scalar<long>(check, "SELECT MAX(version) FROM schema_version;"));
    }

    [Fact]
    public void Open_MigrationsWithAGap_IsAProgrammingError()
    {
        using var directory = new TempDirectory("sqlite");

        Assert.Throws<ArgumentException>(() => SqliteDatabase.Open(Options(directory.Combine("test.db"), s_v1, new SqliteMigration(3, "SELECT 1;"))));
        Assert.False(File.Exists(directory.Combine("test.db")));
    }

    [Fact]
    public void Open_ThatMustMigrate_WhileAnotherConnectionHoldsTheWriteLock_FailsTransientAfterTheBusyTimeout()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        using var holder = SqliteDatabase.Open(Options(path, s_v1));
        using var write = holder.BeginTransaction(deferred: false);
        Execute(holder, "INSERT INTO items (name) VALUES ('locked');", write);

        // Version 2 must be written, so this open needs the lock the holder has.
        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<SqliteBusyException>(() => SqliteDatabase.Open(Options(path, s_v1, s_v2) with { BusyTimeout = TimeSpan.FromMilliseconds(200) }));

        Assert.True(ex.IsTransient);
        Assert.Equal(SqliteErrors.Busy, ex.ResultCode);
        Assert.Equal(path, ex.Path);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(150), $"gave up after {watch.Elapsed.TotalMilliseconds} ms, before the busy timeout");
    }

    [Fact]
    public async Task Open_ThatMustMigrate_WhileAnotherConnectionHoldsTheWriteLock_WaitsWithinTheBusyTimeoutAndSucceeds()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        using var holder = SqliteDatabase.Open(Options(path, s_v1));
        var write = holder.BeginTransaction(deferred: false);
        Execute(holder, "INSERT INTO items (name) VALUES ('first');", write);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiter = Task.Run(() =>
        {
            started.SetResult();
            using var connection = SqliteDatabase.Open(Options(path, s_v1, s_v2) with { BusyTimeout = TimeSpan.FromSeconds(30) });
            return Scalar<string>(connection, "SELECT name FROM items;");
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Hold the lock a while so the waiter meets it, then let it through.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(waiter.IsCompleted);
        write.Commit();
        write.Dispose();

        Assert.Equal("first", await waiter.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Open_FileThatIsNotADatabase_ThrowsCorruptAndLeavesTheFileAlone()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        var garbage = new byte[8192];
        new Random(12).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var ex = Assert.Throws<SqliteCorruptException>(() => SqliteDatabase.Open(Options(path, s_v1)));

        Assert.Equal(SqliteErrors.NotADatabase, ex.ResultCode);
        Assert.False(ex.IsTransient);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public void Open_DatabaseWithADamagedSchemaPage_ThrowsCorrupt()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        using (var connection = SqliteDatabase.Open(Options(path, s_v1)))
        {
            Execute(connection, "INSERT INTO items (name) VALUES ('x'); PRAGMA wal_checkpoint(TRUNCATE);");
        }

        SqliteConnection.ClearAllPools();
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            // Page 1 after the 100-byte file header: the b-tree of sqlite_master, where the schema lives.
            file.Position = 100;
            file.Write(Enumerable.Repeat((byte)0xA5, 400).ToArray());
        }

        var ex = Assert.ThrowsAny<SqliteDatabaseException>(() => SqliteDatabase.Open(Options(path, s_v1)));

        Assert.IsType<SqliteCorruptException>(ex);
        Assert.Contains(ex.ResultCode, new[] { SqliteErrors.Corrupt, SqliteErrors.NotADatabase });
    }

    [Fact]
    public void Open_WithACreateMode_CreatesThePrivateFileBeforeSqliteDoes()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("keys.db");

        using var connection = SqliteDatabase.Open(Options(path, s_v1) with { CreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path + "-wal"));
    }

    [Fact]
    public void Connect_AfterOpen_GivesEachConnectionThePragmas()
    {
        using var directory = new TempDirectory("sqlite");
        // Values SQLite and Microsoft.Data.Sqlite do not default to (FULL, foreign keys off, 30 s), so only Connect
        // can have set them; the pool is emptied first so Connect opens a new physical connection, not Open's.
        var options = Options(directory.Combine("test.db"), s_v1) with
        {
            Pooling = true,
            Synchronous = SqliteSynchronous.Normal,
            ForeignKeys = true,
            BusyTimeout = TimeSpan.FromMilliseconds(1234),
        };
        SqliteDatabase.Open(options).Dispose();
        SqliteDatabase.ReleasePool(options);

        using var connection = SqliteDatabase.Connect(options);

        Assert.Equal(1L, Scalar<long>(connection, "PRAGMA synchronous;"));
        Assert.Equal(1L, Scalar<long>(connection, "PRAGMA foreign_keys;"));
        Assert.Equal(1234L, Scalar<long>(connection, "PRAGMA busy_timeout;"));
        SqliteDatabase.ReleasePool(options);
    }

    [Fact]
    public void Open_CurrentFile_WhileAnotherProcessWrites_OpensWithoutWaitingForTheWriteLock()
    {
        using var directory = new TempDirectory("sqlite");
        var path = directory.Combine("test.db");
        SqliteDatabase.Open(Options(path, s_v1)).Dispose();
        using var writer = Raw(path);
        using var holding = writer.BeginTransaction(deferred: false);
        Execute(writer, "INSERT INTO items (name) VALUES ('held');", holding);

        // A busy timeout short enough that waiting for the writer would fail the open.
        using var connection = SqliteDatabase.Open(Options(path, s_v1) with { BusyTimeout = TimeSpan.FromMilliseconds(50) });

        Assert.Equal(0L, Scalar<long>(connection, "SELECT COUNT(*) FROM items;"));
    }

    [Fact]
    public void Open_WhereTheDirectoryCannotBeMade_IsATypedError()
    {
        using var directory = new TempDirectory("sqlite");
        var blocker = directory.Combine("not-a-directory");
        File.WriteAllText(blocker, "a file where the database's directory should be");

        var ex = Assert.Throws<SqliteDatabaseException>(() => SqliteDatabase.Open(Options(Path.Combine(blocker, "test.db"), s_v1)));

        Assert.Contains("cannot create test database", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(ex.InnerException);
    }

    private static SqliteDatabaseOptions Options(string path, params SqliteMigration[] migrations)
        => new() { Path = path, Description = "test database", Migrations = migrations };

    private static SqliteConnection Raw(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }

    private static List<long> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<long>();
        while (reader.Read())
        {
            values.Add(reader.GetInt64(0));
        }

        return values;
    }
}
