using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// The package names the archive offers, from this machine's apt cache (<c>apt-cache pkgnames</c>: real and virtual
/// packages of the configured sources, which the bake also uses), so a recipe naming a package the archive lacks is
/// refused before mmdebstrap downloads anything.
/// </summary>
public static class PackageCatalog
{
    /// <summary>Largest listing read (Debian 12 main lists about 64,000 names, 1.2 MB).</summary>
    private const int MaxListingChars = 32 << 20;

    /// <summary>The names of <paramref name="wanted"/> the archive does not know, in order.</summary>
    /// <exception cref="BakeException">apt-cache is missing or knows no package at all (never updated): exit 69.</exception>
    public static async Task<IReadOnlyList<string>> UnknownAsync(IReadOnlyCollection<string> wanted, CancellationToken cancellationToken)
    {
        if (wanted.Count == 0)
        {
            return [];
        }

        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                "apt-cache", ["pkgnames"], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(2), MaxCapturedChars = MaxListingChars }, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw BakeException.StepFailed($"cannot check the recipe's packages: {ex.Message} (apt-cache is part of apt)", ex);
        }

        var known = new HashSet<string>(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
        if (result.ExitCode != 0 || known.Count == 0)
        {
            throw BakeException.StepFailed($"apt-cache pkgnames listed no package (exit {result.ExitCode}): run apt-get update so the recipe's packages can be checked");
        }

        return [.. wanted.Where(name => !known.Contains(name))];
    }
}
