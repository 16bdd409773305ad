using Jumpstart.Hostd.Store.Catalog;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>The state of every combination of a file; <c>Recoverable</c> is true when every stripe can still be rebuilt.</summary>
public sealed record VerifyResult(StoredFile File, int Checked, IReadOnlyList<StoreProblem> Problems, bool Recoverable, IReadOnlyList<long> LostStripes)
{
    /// <summary>Every combination is present and intact.</summary>
    public bool Intact => Problems.Count == 0;
}
