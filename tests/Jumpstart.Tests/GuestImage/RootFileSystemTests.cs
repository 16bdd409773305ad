using System.Runtime.Versioning;
using System.Security.Cryptography;
using Jumpstart.Hostd.Bake;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.GuestImage;

/// <summary>
/// The bake's file system step on a small tree (no mmdebstrap, a few seconds): the same tree written twice, its files
/// touched and read in between (new ctimes and atimes), gives the same bytes, every inode holding SOURCE_DATE_EPOCH.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestImage)]
[SupportedOSPlatform("linux")]
public sealed class RootFileSystemTests : IDisposable
{
    private const long Epoch = 1_700_000_000;
    private const long DiskBytes = 64L << 20;
    private const long OffsetBytes = 1L << 20;
    private static readonly Guid s_uuid = Guid.Parse("3b0e3bb4-8f53-4f1e-9a44-2d6a5b3e1c70");

    private readonly TempDirectory _directory = new("root-fs");

    public void Dispose() => _directory.Dispose();

    [ToolFact("mkfs.ext4", "dumpe2fs", "debugfs")]
    public async Task WriteAsync_TheSameTreeAtAnotherTime_GivesTheSameBytes()
    {
        var tree = _directory.Combine("tree");
        Directory.CreateDirectory(Path.Combine(tree, "etc", "deep", "er"));
        for (var i = 0; i < 40; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(tree, "etc", $"file-{i:D2}"), new string('x', i * 100));
        }

        await File.WriteAllTextAsync(Path.Combine(tree, "etc", "deep", "er", "leaf"), "leaf\n");
        File.CreateSymbolicLink(Path.Combine(tree, "etc", "link"), "deep/er/leaf");
        var epoch = DateTimeOffset.FromUnixTimeSeconds(Epoch).UtcDateTime;
        foreach (var entry in new DirectoryInfo(tree).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Where(e => e.LinkTarget is null))
        {
            entry.LastWriteTimeUtc = epoch;
        }

        var first = await WriteAsync("first.raw", tree);

        // A second later (ctime has whole seconds in mke2fs's copy): chmod moves every ctime, and the atimes change.
        var start = DateTime.UtcNow;
        await Poll.UntilAsync(() => DateTime.UtcNow.Second != start.Second, TimeSpan.FromSeconds(5), "the next second");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(tree, "etc")).Where(f => !f.EndsWith("link", StringComparison.Ordinal)))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.SetLastAccessTimeUtc(file, DateTime.UtcNow);
        }

        var second = await WriteAsync("second.raw", tree);

        Assert.Equal(await Sha256Async(first), await Sha256Async(second));
        var stat = await Requirements.RunToolAsync("debugfs", ["-R", "stat /etc/file-07", $"{second}?offset={OffsetBytes}"], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(1) });
        var hex = $"0x{Epoch:x8}";
        Assert.Contains($"ctime: {hex}", stat.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"atime: {hex}", stat.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"mtime: {hex}", stat.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void UsedInodes_DumpE2fsGroups_GivesTheRootAndTheAllocatedOrdinaryInodes()
    {
        var groups = new InodeGroups();
        foreach (var line in """
            Inode count:              32
            Free inodes:              17
            First inode:              11
            Inodes per group:         16

            Group 0: (Blocks 1-8192) csum 0x1a2b [ITABLE_ZEROED]
              Primary superblock at 1, Group descriptors at 2-2
              Free inodes: 14-15
            Group 1: (Blocks 8193-16383) csum 0x3c4d [INODE_UNINIT, ITABLE_ZEROED]
              Free inodes: 17, 19-32
            """.Split('\n'))
        {
            groups.Add(line);
        }

        Assert.Equal([2u, 11, 12, 13, 16, 18], groups.UsedInodes());
    }

    [Fact]
    public void UsedInodes_AGroupMissing_IsAFailedStep()
    {
        var groups = new InodeGroups();
        foreach (var line in new[] { "Inode count: 32", "First inode: 11", "Inodes per group: 16", "Group 0: (Blocks 1-8192)", "  Free inodes: 12-16" })
        {
            groups.Add(line);
        }

        var ex = Assert.Throws<BakeException>(() => groups.UsedInodes().ToList());
        Assert.Contains("not the whole file system", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsedInodes_ALineNotUnderstood_IsAFailedStepNotACrash()
    {
        var groups = new InodeGroups();
        foreach (var line in new[] { "Inode count: 16", "Group descriptor size: 64", "First inode: 11", "Inodes per group: 16", "Group 0: (Blocks 1-8192)", "  Free inodes: 12-x" })
        {
            groups.Add(line);
        }

        var ex = Assert.Throws<BakeException>(() => groups.UsedInodes().ToList());
        Assert.Contains("'  Free inodes: 12-x'", ex.Message, StringComparison.Ordinal);
    }

    private async Task<string> WriteAsync(string name, string tree)
    {
        var disk = _directory.Combine(name);
        await using (var file = new FileStream(disk, FileMode.CreateNew))
        {
            file.SetLength(DiskBytes);
        }

        await RootFileSystem.WriteAsync(disk, OffsetBytes, DiskBytes - OffsetBytes, tree, s_uuid, Epoch, CancellationToken.None);
        return disk;
    }

    private static async Task<string> Sha256Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }
}
