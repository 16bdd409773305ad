using System.Runtime.Versioning;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Iso9660;

/// <summary>Images from <see cref="Jumpstart.Shared.Iso9660.IsoImageBuilder"/> read by independent implementations.</summary>
[Trait(Capabilities.Trait, Capabilities.Iso9660)]
[SupportedOSPlatform("linux")]
public sealed class IsoWriterInteropTests : IDisposable
{
    private readonly TempDirectory _temp = new("iso-writer");

    public void Dispose() => _temp.Dispose();

    [ToolFact("isoinfo")]
    public async Task Isoinfo_ReadsLabelRockRidgeNamesModesAndContent()
    {
        var image = IsoSampleTree.WriteImage(_temp.Path);

        var info = await Requirements.RunToolAsync("isoinfo", ["-d", "-i", image]);
        Assert.Contains("Volume id: SAMPLE", info.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Rock Ridge signatures version 1 found", info.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Joliet with UCS level 3 found", info.StandardOutput, StringComparison.Ordinal);

        var listing = (await Requirements.RunToolAsync("isoinfo", ["-R", "-l", "-i", image])).StandardOutput;
        Assert.Matches(@"-rwxr-xr-x .* run\.sh", listing);
        Assert.Matches(@"-rw------- .* key", listing);
        Assert.Matches(@"lrwxrwxrwx .* link-to-script -> bin/run\.sh", listing);
        Assert.Contains(IsoSampleTree.LongName, listing, StringComparison.Ordinal);
        Assert.Contains("ünïcødé.txt", listing, StringComparison.Ordinal);

        var content = await Requirements.RunToolAsync("isoinfo", ["-R", "-x", "/bin/run.sh", "-i", image]);
        Assert.Equal("#!/bin/sh\necho hi\n", content.StandardOutput);

        var joliet = (await Requirements.RunToolAsync("isoinfo", ["-J", "-f", "-i", image])).StandardOutput;
        Assert.Contains("/a/b/c/d/e/f/g/leaf.txt", joliet, StringComparison.Ordinal);
        Assert.Contains("/Mixed Case Name.JSON", joliet, StringComparison.Ordinal);
    }

    [ToolFact("osirrox")]
    public async Task Osirrox_ExtractsEveryFileWithItsModeAndTheSymlink()
    {
        var image = IsoSampleTree.WriteImage(_temp.Path);
        var output = _temp.Combine("osirrox");

        await Requirements.RunToolAsync("osirrox", ["-indev", image, "-extract", "/", output]);

        IsoSampleTree.AssertTree(output, checkModes: true);
    }

    [ToolFact("xorriso")]
    public async Task Xorriso_ChecksTheImageWithoutComplaint()
    {
        var image = IsoSampleTree.WriteImage(_temp.Path);

        var result = await Requirements.RunToolAsync("xorriso", ["-abort_on", "WARNING", "-indev", image, "-find", "/", "-exec", "lsdl"]);

        Assert.Contains("run.sh", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("SORRY", result.StandardError, StringComparison.Ordinal);
    }

    [ToolFact("bsdtar")]
    public async Task Bsdtar_ExtractsEveryFileWithItsModeAndTheSymlink()
    {
        var image = IsoSampleTree.WriteImage(_temp.Path);
        var output = Directory.CreateDirectory(_temp.Combine("bsdtar")).FullName;

        await Requirements.RunToolAsync("bsdtar", ["-x", "-p", "-f", image, "-C", output]);

        IsoSampleTree.AssertTree(output, checkModes: true);
    }

    [ToolFact("7z")]
    public async Task SevenZip_ExtractsJolietNamesAndContent()
    {
        var image = IsoSampleTree.WriteImage(_temp.Path);
        var output = _temp.Combine("7z");

        await Requirements.RunToolAsync("7z", ["x", "-y", $"-o{output}", image]);

        // 7-Zip reads the Joliet tree: no modes, no symlinks, names up to 64 characters.
        IsoSampleTree.AssertTree(output, checkModes: false, maxNameChars: 64, checkSymlink: false);
    }

    [ToolFact("fuseiso", "fusermount")]
    public async Task Fuseiso_MountsTheImageWithNamesContentAndModes()
    {
        var image = IsoSampleTree.WriteImage(_temp.Path);
        var mountPoint = Directory.CreateDirectory(_temp.Combine("mnt")).FullName;

        await Requirements.RunToolAsync("fuseiso", [image, mountPoint], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(30) });
        try
        {
            IsoSampleTree.AssertTree(mountPoint, checkModes: true);
        }
        finally
        {
            await ProcessRunner.RunAsync("fusermount", ["-u", mountPoint], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(30) });
        }
    }
}
