using System.Globalization;
using System.Text.RegularExpressions;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Packaging;

/// <summary>
/// The shipped units' exposure as <c>systemd-analyze security --offline=yes</c> rates it (issue 16: at most 5.0 for
/// hostd, 6.0 for guestd; they were 6.6 and 9.0). The lifecycle tests run these very files (they assert the
/// installed unit equals the shipped one), so a setting that breaks a daemon fails there.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Packaging)]
public sealed partial class UnitHardeningTests
{
    [ToolTheory("systemd-analyze")]
    [InlineData("jumpstart-hostd.service", 5.0)]
    [InlineData("jumpstart-guestd.service", 6.0)]
    public async Task ShippedUnit_ExposureIsAtMostTheBound(string unit, double bound)
    {
        using var dir = new TempDirectory("security");
        // --offline reads the file itself; ExecStart= must exist on this machine, the rest is analysed as shipped.
        var shipped = await File.ReadAllTextAsync(BuiltPrograms.RepositoryFile($"packaging/systemd/{unit}"));
        var copy = dir.Combine(unit);
        await File.WriteAllTextAsync(copy, ExecStart().Replace(shipped, "ExecStart=/bin/true"));

        var result = await Requirements.RunToolAsync("systemd-analyze", ["security", "--offline=yes", "--no-pager", copy]);
        var overall = Overall().Match(result.StandardOutput);

        Assert.True(overall.Success, result.StandardOutput);
        var exposure = double.Parse(overall.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(exposure, 0.0, bound);
    }

    [GeneratedRegex(@"^ExecStart=\S+", RegexOptions.Multiline)]
    private static partial Regex ExecStart();

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d)")]
    private static partial Regex Overall();
}
