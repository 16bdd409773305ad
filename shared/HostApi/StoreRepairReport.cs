namespace Jumpstart.Shared.HostApi;

/// <summary>What <c>store.repair</c> found and did.</summary>
public sealed record StoreRepairReport
{
    public required string Name { get; init; }

    /// <summary>One line per bad or unreachable combination found.</summary>
    public required IReadOnlyList<string> Found { get; init; }

    public required int Recreated { get; init; }

    /// <summary>The replacements used, old server to new (those asked for and those chosen by <c>Auto</c>).</summary>
    public required IReadOnlyDictionary<string, string> Replacements { get; init; }

    /// <summary>What could not be re-created, one line each; empty when the file is whole again.</summary>
    public required IReadOnlyList<string> NotRepaired { get; init; }

    /// <summary>The file's servers after the repair, in placement order.</summary>
    public required IReadOnlyList<string> Servers { get; init; }
}
