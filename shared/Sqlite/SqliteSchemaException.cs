namespace Jumpstart.Shared.Sqlite;

/// <summary>
/// The database's schema is not one this program can use: written by a newer version (refused, never guessed
/// at), or a migration step failed (rolled back; the file is as it was).
/// </summary>
public sealed class SqliteSchemaException(string message, string path, int foundVersion, int latestVersion, Exception? inner = null)
    : SqliteDatabaseException(message, path, 0, inner)
{
    /// <summary>The version recorded in the file's <c>schema_version</c> table.</summary>
    public int FoundVersion { get; } = foundVersion;

    /// <summary>The newest version this program knows.</summary>
    public int LatestVersion { get; } = latestVersion;
}
