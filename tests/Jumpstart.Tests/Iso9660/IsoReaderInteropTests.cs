using System.Runtime.Versioning;
using Jumpstart.Shared.Iso9660;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Iso9660;

/// <summary>Images made by genisoimage and xorriso, read by <see cref="IsoImage"/>.</summary>
[Trait(Capabilities.Trait, Capabilities.Iso9660)]
[SupportedOSPlatform("linux")]
public sealed class IsoReaderInteropTests : IDisposable
{
    private readonly TempDirectory _temp = new("iso-reader");

    public void Dispose() => _temp.Dispose();

    [ToolTheory("genisoimage")]
    [InlineData(new[] { "-D" }, IsoNameSource.Iso9660)]
    [InlineData(new[] { "-J", "-D" }, IsoNameSource.Joliet)]
    [InlineData(new[] { "-R" }, IsoNameSource.RockRidge)]
    [InlineData(new[] { "-J", "-R" }, IsoNameSource.RockRidge)]
    public async Task Genisoimage_ImagesAreReadWithTheBestNamesAvailable(string[] options, IsoNameSource expected)
    {
        var tree = IsoSampleTree.WriteTree(_temp.Path);
        var image = _temp.Combine("g.iso");
        await Requirements.RunToolAsync("genisoimage", ["-quiet", "-V", "GENISO", .. options, "-o", image, tree]);

        using var iso = IsoImage.Open(image);

        Assert.Equal("GENISO", iso.VolumeLabel);
        Assert.Equal(expected, iso.NameSource);
        AssertReadsTree(iso, expected);
    }

    [ToolTheory("xorriso")]
    [InlineData(new string[0], IsoNameSource.RockRidge)]
    [InlineData(new[] { "-joliet", "on" }, IsoNameSource.RockRidge)]
    [InlineData(new[] { "-rockridge", "off", "-joliet", "on" }, IsoNameSource.Joliet)]
    [InlineData(new[] { "-rockridge", "off" }, IsoNameSource.Iso9660)]
    public async Task Xorriso_ImagesAreReadWithTheBestNamesAvailable(string[] options, IsoNameSource expected)
    {
        var tree = IsoSampleTree.WriteTree(_temp.Path);
        var image = _temp.Combine("x.iso");
        await Requirements.RunToolAsync("xorriso", [.. options, "-volid", "XORR", "-outdev", image, "-map", tree, "/"]);

        using var iso = IsoImage.Open(image);

        Assert.Equal("XORR", iso.VolumeLabel);
        Assert.Equal(expected, iso.NameSource);
        AssertReadsTree(iso, expected);
    }

    [ToolFact("genisoimage")]
    public async Task Genisoimage_RelocatedDeepTree_IsShownWhereItBelongs()
    {
        var tree = Directory.CreateDirectory(_temp.Combine("deep")).FullName;
        var deep = Path.Combine(tree, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11");
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "bottom.txt"), "bottom");
        var image = _temp.Combine("deep.iso");
        await Requirements.RunToolAsync("genisoimage", ["-quiet", "-R", "-o", image, tree]);

        using var iso = IsoImage.Open(image);

        Assert.Equal("bottom", System.Text.Encoding.UTF8.GetString(iso.ReadFile("1/2/3/4/5/6/7/8/9/10/11/bottom.txt")));
        Assert.DoesNotContain(iso.Entries, e => e.Path.StartsWith("rr_moved/", StringComparison.Ordinal));
    }

    [ToolFact("xorriso")]
    public async Task Xorriso_DeepTreeBeyondEightLevels_IsRead()
    {
        var tree = Directory.CreateDirectory(_temp.Combine("deep")).FullName;
        var parts = Enumerable.Range(1, 20).Select(i => $"level{i}").ToArray();
        Directory.CreateDirectory(Path.Combine([tree, .. parts]));
        File.WriteAllText(Path.Combine([tree, .. parts, "bottom.txt"]), "bottom");
        var image = _temp.Combine("deep.iso");
        await Requirements.RunToolAsync("xorriso", ["-outdev", image, "-map", tree, "/"]);

        using var iso = IsoImage.Open(image);

        Assert.Equal("bottom"u8.ToArray(), iso.ReadFile(string.Join('/', parts) + "/bottom.txt"));
    }

    [ToolFact("genisoimage", "losetup", NeedsRoot = true)]
    public async Task Open_BlockDevice_ReadsLikeTheFile()
    {
        var tree = IsoSampleTree.WriteTree(_temp.Path);
        var image = _temp.Combine("dev.iso");
        await Requirements.RunToolAsync("genisoimage", ["-quiet", "-J", "-R", "-o", image, tree]);
        var device = (await Requirements.RunToolAsync("losetup", ["--find", "--show", "--read-only", image])).StandardOutput.Trim();
        try
        {
            using var iso = IsoImage.Open(device);
            AssertReadsTree(iso, IsoNameSource.RockRidge);
        }
        finally
        {
            await Requirements.RunToolAsync("losetup", ["--detach", device]);
        }
    }

    [Fact]
    public void OwnImage_ReadsBackNamesModesContentAndSymlink()
    {
        using var iso = IsoImage.Open(new MemoryStream(IsoSampleTree.CreateBuilder().BuildImage()));

        Assert.Equal(IsoNameSource.RockRidge, iso.NameSource);
        AssertReadsTree(iso, IsoNameSource.RockRidge);
    }

    private static void AssertReadsTree(IsoImage iso, IsoNameSource source)
    {
        foreach (var (path, (content, mode)) in IsoSampleTree.Files)
        {
            // Joliet names stop at 64 characters and each tool shortens differently: find those by prefix.
            var lookup = source switch
            {
                IsoNameSource.RockRidge => path,
                IsoNameSource.Joliet when path.Length > 64 => iso.Entries.FirstOrDefault(e => e.Path.StartsWith(path[..60], StringComparison.Ordinal))?.Path,
                IsoNameSource.Joliet => path,
                _ => null,
            };
            if (source == IsoNameSource.Iso9660)
            {
                continue;
            }

            var entry = iso.Find(lookup ?? path);
            Assert.True(entry is not null, $"missing {lookup} ({source})");
            Assert.Equal(content, iso.ReadFile(entry));
            Assert.Equal(source == IsoNameSource.RockRidge ? (int)mode : null, entry.Mode);
        }

        if (source == IsoNameSource.RockRidge)
        {
            var link = iso.Find(IsoSampleTree.SymlinkPath);
            Assert.Equal(IsoEntryKind.Symlink, link?.Kind);
            Assert.Equal(IsoSampleTree.SymlinkTarget, link?.SymlinkTarget);
        }
        else if (source == IsoNameSource.Iso9660)
        {
            // Plain ECMA-119 names are upper-case 8.3; lookups ignore case.
            Assert.Equal("hello world\n"u8.ToArray(), iso.ReadFile("hello.txt"));
            Assert.Equal("#!/bin/sh\necho hi\n"u8.ToArray(), iso.ReadFile("BIN/RUN.SH"));
        }
    }
}
