using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// lintian (Debian 12) and rpmlint report nothing but the overrides the packaging carries, each justified in a
/// comment (packaging/debian/*.lintian-overrides, packaging/rpm/rpmlint.toml).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Packaging)]
[Collection(PackagingCollection.Name)]
public sealed class PackageLintTests
{
    private static readonly ProcessRunOptions s_options = new() { Timeout = TimeSpan.FromMinutes(5), MaxCapturedChars = 256 * 1024 };

    [ToolFact("lintian", PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild)]
    public async Task Lintian_ReportsNoErrorOrWarning_AndEveryOverrideIsUsed()
    {
        var packages = await BuiltPackages.GetAsync();

        // --fail-on none: the verdict is ours, from the tags. E: errors, W: warnings, O: overridden hints.
        var result = await Requirements.RunToolAsync("lintian", ["--fail-on", "none", "--show-overrides", packages.HostDeb, packages.GuestDeb], s_options);
        var output = result.StandardOutput + result.StandardError;

        Assert.Empty(Tags(output, "E: ", "W: "));
        Assert.Empty(Tags(output, "unused-override", "mismatched-override"));
        Assert.Equal(4, Tags(output, "O: ").Count);
    }

    [ToolFact("rpmlint", PackagingCollection.DpkgBuildpackage, PackagingCollection.Rpmbuild)]
    public async Task Rpmlint_ReportsNoErrorOrWarning()
    {
        var packages = await BuiltPackages.GetAsync();

        var result = await ProcessRunner.RunAsync(Requirements.RequireTool("rpmlint"),
            ["-c", BuiltPrograms.RepositoryFile("packaging/rpm/rpmlint.toml"), packages.HostRpm, packages.GuestRpm], s_options);
        var output = result.StandardOutput + result.StandardError;

        Assert.Empty(Tags(output, ": E: ", ": W: "));
        Assert.Contains("0 errors, 0 warnings", output, StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
    }

    private static List<string> Tags(string output, params string[] markers)
        => [.. output.Split('\n').Where(l => markers.Any(m => l.Contains(m, StringComparison.Ordinal)))];
}
