namespace Jumpstart.Shared.Sqlite;

/// <summary>The file is not an SQLite database, or its pages are damaged (SQLITE_NOTADB, SQLITE_CORRUPT).</summary>
public sealed class SqliteCorruptException(string message, string path, int resultCode, Exception? inner = null)
    : SqliteDatabaseException(message, path, resultCode, inner);
