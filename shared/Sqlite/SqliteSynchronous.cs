namespace Jumpstart.Shared.Sqlite;

/// <summary>SQLite's <c>PRAGMA synchronous</c> levels a database may use (https://sqlite.org/pragma.html#pragma_synchronous).</summary>
public enum SqliteSynchronous
{
    /// <summary>In WAL mode a commit may be lost on power failure but the file stays consistent (fine for data that can be re-derived).</summary>
    Normal = 1,

    /// <summary>Every commit is on disk before it returns (state that must not be lost).</summary>
    Full = 2,
}
