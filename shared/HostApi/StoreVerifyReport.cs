namespace Jumpstart.Shared.HostApi;

/// <summary>The state of every stored combination of one file.</summary>
public sealed record StoreVerifyReport
{
    public required string Name { get; init; }

    /// <summary>Combinations fetched and checked.</summary>
    public required int Checked { get; init; }

    /// <summary>Every combination present and intact.</summary>
    public required bool Intact { get; init; }

    /// <summary>Every stripe can still be rebuilt.</summary>
    public required bool Recoverable { get; init; }

    public required IReadOnlyList<long> LostStripes { get; init; }

    /// <summary>One line per bad or unreachable combination, naming its server.</summary>
    public required IReadOnlyList<string> Problems { get; init; }
}
