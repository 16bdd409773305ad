namespace Jumpstart.Shared.Sqlite;

/// <summary>Another connection held the lock longer than the busy timeout (SQLITE_BUSY, SQLITE_LOCKED): retry later.</summary>
public sealed class SqliteBusyException(string message, string path, int resultCode, Exception? inner = null)
    : SqliteDatabaseException(message, path, resultCode, inner)
{
    public override bool IsTransient => true;
}
