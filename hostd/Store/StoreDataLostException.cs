using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Store;

/// <summary>
/// More was lost than the layout survives: names the file, the stripes and blocks that cannot be rebuilt
/// and the problems that caused it. The store never returns partial or unverified data instead.
/// </summary>
public sealed class StoreDataLostException : StoreException
{
    public StoreDataLostException(string fileName, long stripe, IReadOnlyList<long> lostBlocks, IReadOnlyList<StoreProblem> problems)
        : base(Describe(fileName, stripe, lostBlocks, problems))
    {
        FileName = fileName;
        Stripe = stripe;
        LostBlocks = lostBlocks;
        Problems = problems;
    }

    public string FileName { get; }

    /// <summary>The first stripe found beyond repair.</summary>
    public long Stripe { get; }

    /// <summary>Block numbers of the file (0-based) that cannot be rebuilt in that stripe.</summary>
    public IReadOnlyList<long> LostBlocks { get; }

    public IReadOnlyList<StoreProblem> Problems { get; }

    private static string Describe(string fileName, long stripe, IReadOnlyList<long> lostBlocks, IReadOnlyList<StoreProblem> problems)
    {
        var servers = string.Join(", ", problems.Select(p => p.Server).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return $"'{fileName}' is lost beyond the survivable set: stripe {stripe} cannot rebuild block(s) {string.Join(", ", lostBlocks)}; "
            + $"bad or unreachable combinations on server(s) {servers}: "
            + string.Join("; ", problems.Select(p => p.ToString()));
    }

    public override int RpcCode => HostErrorCodes.DataError;
}
