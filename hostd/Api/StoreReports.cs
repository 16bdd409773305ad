using Jumpstart.Hostd.Store;
using Jumpstart.Hostd.Store.Catalog;
using Jumpstart.Hostd.Store.Fog;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Api;

/// <summary>The store's results as the control socket's records (the CLI prints the same shapes).</summary>
internal static class StoreReports
{
    public static StoredFileInfo ToInfo(StoredFile file) => new()
    {
        Name = file.Name,
        Kind = file.Kind,
        Length = file.Length,
        BlockSize = file.BlockSize,
        Servers = file.Servers,
        Stripes = file.Stripes,
        Created = file.Created,
    };

    public static StorePutResult ToPutResult(PutResult result) => new()
    {
        File = ToInfo(result.File),
        Combinations = result.Combinations,
        StoredBytes = result.StoredBytes,
        Seconds = result.Seconds,
    };

    public static StoreGetResult ToGetResult(GetResult result, string path) => new()
    {
        Name = result.File.Name,
        Path = path,
        Length = result.File.Length,
        Seconds = result.Seconds,
        UnreachableServers = result.UnreachableServers,
        Problems = [.. result.Problems.Select(p => p.ToString())],
        BadServers = BadServers(result.Problems),
    };

    public static StoreRepairReport ToRepairReport(RepairResult result) => new()
    {
        Name = result.File.Name,
        Found = [.. result.Found.Select(p => p.ToString())],
        Recreated = result.Recreated,
        Replacements = result.Replacements,
        NotRepaired = result.NotRepaired,
        Servers = result.File.Servers,
    };

    /// <summary>One line for people about a put.</summary>
    public static string Describe(StorePutResult s)
        => $"stored {s.File.Name} ({s.File.Kind}, {s.File.Length} bytes) as {s.Combinations} combinations over {string.Join(", ", s.File.Servers)} in {s.Seconds:F2} s ({MegabytesPerSecond(s.File.Length, s.Seconds):F0} MB/s)";

    /// <summary>What a repair did, for people: what was not repaired, then a summary line.</summary>
    public static string Describe(StoreRepairReport s)
        => string.Join('\n', s.NotRepaired.Select(p => "not repaired: " + p)
            .Concat(s.Replacements.Select(r => $"replaced {r.Key} by {r.Value}"))
            .Append($"{s.Name}: {s.Found.Count} problem(s) found, {s.Recreated} combination(s) re-created"));

    /// <summary>The servers that served data failing its check (a lying or damaged server), each once.</summary>
    public static List<string> BadServers(IEnumerable<StoreProblem> problems)
        => [.. problems.Where(p => p.Kind == StoreProblemKind.Corrupt).Select(p => p.Server).Distinct(StringComparer.Ordinal)];

    /// <summary>What a get worked around, as the end of its line for people (empty when nothing).</summary>
    public static string WorkedAround(IEnumerable<string> unreachable, IReadOnlyCollection<string> bad)
        => (unreachable.Any() ? $"; unreachable: {string.Join(", ", unreachable)}" : string.Empty)
            + (bad.Count > 0 ? $"; served bad data: {string.Join(", ", bad)}" : string.Empty);

    public static double MegabytesPerSecond(long bytes, double seconds) => bytes / Math.Max(seconds, 1e-6) / 1e6;
}
