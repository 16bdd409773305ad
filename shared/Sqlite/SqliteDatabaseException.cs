using Microsoft.Data.Sqlite;

namespace Jumpstart.Shared.Sqlite;

/// <summary>
/// A database could not be used. Made from SQLite's result code in one place (<see cref="SqliteErrors"/>); the
/// subtypes say what a caller can do about it: wait and retry (<see cref="SqliteBusyException"/>), give up on the
/// file (<see cref="SqliteCorruptException"/>), or run a newer program (<see cref="SqliteSchemaException"/>).
/// </summary>
public class SqliteDatabaseException : Exception
{
    public SqliteDatabaseException(string message, string path, int resultCode, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
        ResultCode = resultCode;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>SQLite's primary result code (https://sqlite.org/rescode.html), 0 when the failure is not SQLite's.</summary>
    public int ResultCode { get; }

    /// <summary>True when the same operation may succeed if tried again later (another connection held a lock).</summary>
    public virtual bool IsTransient => false;

    /// <summary>SQLite's message without the "SQLite Error N:" prefix Microsoft.Data.Sqlite adds.</summary>
    internal static string Reason(SqliteException exception)
    {
        var message = exception.Message;
        var quote = message.IndexOf('\'', StringComparison.Ordinal);
        return message.StartsWith("SQLite Error", StringComparison.Ordinal) && quote >= 0 ? message[(quote + 1)..].TrimEnd('.', '\'') : message;
    }
}
