using Jumpstart.Hostd.Cms;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cms;

/// <summary>
/// Issue 13 §5: <c>deployment create --spec /dev/zero</c> reached 4.2-4.5 GB and ended with an unhandled exception.
/// The spec is read before any CMS is asked, so no CMS runs here: the real CLI refuses the file in a line, exit 65,
/// in bounded memory.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileSpecFileTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(HostileFiles.Kinds), MemberType = typeof(HostileFiles))]
    public async Task DeploymentCreate_WithANonRegularOrOversizeSpec_ExitsDataErrorWithoutACms(string kind)
    {
        using var dir = new TempDirectory("hostile-spec");
        var path = HostileFiles.Make(dir, kind, DeploymentSpecFile.MaxFileBytes, ".yaml");

        var run = await HostileFiles.RunCliAsync("deployment", "create", "--spec", path, "--cms", "unix:" + dir.Combine("no-cms.sock"));

        output.WriteLine($"{kind}: {run}");

        run.AssertRefused($"{path} {HostileFiles.Refusal(kind, DeploymentSpecFile.MaxFileBytes)}");
    }
}
