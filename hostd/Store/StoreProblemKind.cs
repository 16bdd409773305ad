namespace Jumpstart.Hostd.Store;

/// <summary>What went wrong with one stored combination.</summary>
public enum StoreProblemKind
{
    /// <summary>The server could not be reached (or dropped the connection).</summary>
    Unreachable,

    /// <summary>The server answered that it does not have the combination.</summary>
    Missing,

    /// <summary>The server returned bytes that fail the integrity check: corrupt storage or a lying server.</summary>
    Corrupt,

    /// <summary>The server refused our token.</summary>
    Denied,
}
