using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Metadata;

/// <summary>
/// Issue 13 §5: <c>iso build --from /dev/zero</c> reached 4.2-4.5 GB and ended with an unhandled exception. The
/// description must be a regular file of at most <see cref="MetadataLimits.MaxFileBytes"/>; a disc an image file or
/// a block device. The real CLI refuses anything else in a line, exit 65, in bounded memory.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Metadata)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class HostileDescriptionFileTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(HostileFiles.Kinds), MemberType = typeof(HostileFiles))]
    public async Task IsoBuild_FromANonRegularOrOversizeDescription_ExitsDataErrorAndWritesNothing(string kind)
    {
        using var dir = new TempDirectory("hostile-description");
        var path = HostileFiles.Make(dir, kind, MetadataLimits.MaxFileBytes, ".yaml");
        var image = dir.Combine("out.iso");

        var run = await HostileFiles.RunCliAsync("iso", "build", "--from", path, "--output", image);

        output.WriteLine($"{kind}: {run}");

        run.AssertRefused($"{path} {HostileFiles.Refusal(kind, MetadataLimits.MaxFileBytes)}");
        Assert.False(File.Exists(image));
    }

    [Theory]
    [MemberData(nameof(HostileFiles.NonRegularKinds), MemberType = typeof(HostileFiles))]
    public async Task IsoShow_OfACharacterDeviceFifoOrDirectory_ExitsDataError(string kind)
    {
        using var dir = new TempDirectory("hostile-description");
        var path = HostileFiles.Make(dir, kind, 0);

        var run = await HostileFiles.RunCliAsync("iso", "show", path);

        output.WriteLine($"{kind}: {run}");

        run.AssertRefused($"{path} {HostileFiles.Refusal(kind)} or a block device");
    }

    [Fact]
    public void MetadataDisc_OfACharacterDevice_IsAMetadataException()
    {
        // guestd's disc watcher treats a MetadataException as a foreign disc and keeps watching.
        var error = Assert.Throws<MetadataException>(() => MetadataDisc.Read("/dev/zero"));

        Assert.Equal("not a disc: /dev/zero is a character device, not a regular file or a block device", error.Message);
    }
}
