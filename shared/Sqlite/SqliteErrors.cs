using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Shared.Sqlite;

/// <summary>
/// SQLite's result codes become typed exceptions here and nowhere else (as Microsoft.Data.Sqlite's
/// <c>SqliteException.ThrowExceptionForRC</c> does for its own).
/// </summary>
/// <remarks>Result codes: https://sqlite.org/rescode.html (primary code = the low 8 bits of an extended one).</remarks>
public static class SqliteErrors
{
    /// <summary>SQLITE_BUSY: another connection holds a conflicting lock.</summary>
    public const int Busy = 5;

    /// <summary>SQLITE_LOCKED: a conflict inside the same connection's shared cache.</summary>
    public const int Locked = 6;

    /// <summary>SQLITE_CORRUPT: the file's pages are malformed.</summary>
    public const int Corrupt = 11;

    /// <summary>SQLITE_NOTADB: the file is not an SQLite database.</summary>
    public const int NotADatabase = 26;

    private const int PrimaryCodeMask = 0xff;

    /// <summary>The typed exception for <paramref name="exception"/>, raised while using the database at <paramref name="path"/>.</summary>
    public static SqliteDatabaseException Translate(SqliteException exception, string path, string description)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var code = exception.SqliteErrorCode & PrimaryCodeMask;
        var reason = SqliteDatabaseException.Reason(exception);
        return code switch
        {
            Busy or Locked => new SqliteBusyException($"{description} '{path}' is busy: {reason}", path, code, exception),
            Corrupt or NotADatabase => new SqliteCorruptException($"{description} '{path}' is damaged or not a database: {reason}", path, code, exception),
            _ => new SqliteDatabaseException($"cannot use {description} '{path}': {reason}", path, code, exception),
        };
    }

    /// <summary>Throws the typed exception for <paramref name="exception"/>.</summary>
    [DoesNotReturn]
    public static void Throw(SqliteException exception, string path, string description) => throw Translate(exception, path, description);
}
