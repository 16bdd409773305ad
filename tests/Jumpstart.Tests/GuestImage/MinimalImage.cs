using System.Text.Json;
using Jumpstart.Hostd.Bake;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.GuestImage;

/// <summary>
/// The image baked from packaging/guest/recipes/minimal.yaml by the real CLI, once per test run: the bake caches by
/// content hash under /var/cache/jumpstart/guest-image (packaging/setup bakes it, so CI finds it cached), and every
/// test of the class shares it.
/// </summary>
public static class MinimalImage
{
    public const string Recipe = "packaging/guest/recipes/minimal.yaml";

    /// <summary>A cold bake on two shared cores takes 2-5 minutes; the package build before it up to 5 more.</summary>
    public static readonly TimeSpan BakeBound = TimeSpan.FromMinutes(30);

    private static readonly SemaphoreSlim s_lock = new(1, 1);
    private static (BakedImage Image, BakeReport Report)? s_baked;

    /// <summary>The baked image and the report of the bake that made (or found) it.</summary>
    public static async Task<(BakedImage Image, BakeReport Report)> GetAsync()
    {
        await s_lock.WaitAsync();
        try
        {
            if (s_baked is { } baked)
            {
                return baked;
            }

            var report = await BakeAsync(Recipe);
            s_baked = (BakedImage.Open(report.Directory), report);
            return s_baked.Value;
        }
        finally
        {
            s_lock.Release();
        }
    }

    /// <summary>Runs <c>jumpstart image bake RECIPE --json</c> with the guest package and returns its report.</summary>
    public static async Task<BakeReport> BakeAsync(string recipe, params string[] extra)
    {
        var result = await ProcessRunner.RunAsync(
            BuiltPrograms.Cli,
            ["image", "bake", BuiltPrograms.RepositoryFile(recipe), "--guest-package", await GuestPackageAsync(), "--json", .. extra],
            new ProcessRunOptions { Timeout = BakeBound });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"image bake {recipe} failed (exit {result.ExitCode}): {result.StandardError}");
        }

        return JsonSerializer.Deserialize<BakeReport>(result.StandardOutput, BakeManifest.JsonOptions)
            ?? throw new InvalidOperationException("image bake printed no report");
    }

    /// <summary>
    /// The jumpstart-guest .deb: <c>$JUMPSTART_GUEST_PACKAGE</c> when set (a developer's prebuilt package), else the one
    /// packaging/build-packages makes (cached by a hash of the sources).
    /// </summary>
    public static async Task<string> GuestPackageAsync()
    {
        if (Environment.GetEnvironmentVariable("JUMPSTART_GUEST_PACKAGE") is { Length: > 0 } given)
        {
            return given;
        }

        var result = await ProcessRunner.RunAsync(BuiltPrograms.RepositoryFile("packaging/build-packages"), ["--quiet"], new ProcessRunOptions { Timeout = BakeBound });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"build-packages failed ({result.ExitCode}): {result.StandardError}");
        }

        var directory = result.StandardOutput.Trim().Split('\n')[^1];
        return Directory.GetFiles(directory, "jumpstart-guest_*.deb").Single();
    }
}
