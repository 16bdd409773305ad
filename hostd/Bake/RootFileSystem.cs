using System.Globalization;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// Writes the image's ext4 file system from a directory, byte for byte the same for the same directory contents,
/// UUID and SOURCE_DATE_EPOCH: <c>mkfs.ext4 -d</c> (no loop device, no mount), then every used inode's atime and ctime
/// set to SOURCE_DATE_EPOCH with debugfs.
/// </summary>
/// <remarks>
/// Why the second pass: mke2fs 1.47.0 (Debian 12) copies each file's atime and ctime from lstat(2) of the source
/// tree (misc/create_inode.c, <c>set_inode_extra</c>). The mtimes are clamped before (<c>touch</c>), but the ctime
/// is the time the bake touched the file, which no tool can set, and the atime of a file older than the epoch is
/// when the bake read it. Everything else is already fixed by its inputs: the UUID and hash seed (<c>-U</c>,
/// <c>-E hash_seed=</c>), the creation, write and crtime stamps (<c>E2FSPROGS_FAKE_TIME</c>, which debugfs honours
/// too when it writes the superblock back), the inode numbers and directory blocks (mke2fs adds entries in sorted
/// order, not the source file system's readdir order). Measured on two cold bakes of the minimal recipe: 131,750 differing
/// bytes, all in the inode tables' atime and ctime fields, none after this pass.
/// </remarks>
public static class RootFileSystem
{
    public const string Label = "jumpstart-root";

    /// <summary>
    /// Writes an ext4 file system holding <paramref name="root"/> into <paramref name="disk"/> (a file already sized)
    /// from <paramref name="offsetBytes"/> on, <paramref name="sizeBytes"/> long.
    /// </summary>
    /// <exception cref="BakeException">mkfs.ext4, dumpe2fs or debugfs failed.</exception>
    public static async Task WriteAsync(string disk, long offsetBytes, long sizeBytes, string root, Guid uuid, long sourceDateEpoch, CancellationToken cancellationToken)
    {
        var epoch = sourceDateEpoch.ToString(CultureInfo.InvariantCulture);
        // mke2fs adds each directory's entries in alphasort(3) order (scandir in misc/create_inode.c), a strcoll(3):
        // the C locale makes it byte order whatever the caller's locale.
        var environment = new Dictionary<string, string?> { ["E2FSPROGS_FAKE_TIME"] = epoch, ["LC_ALL"] = "C" };
        await BakeTool.RunAsync(
            "mkfs.ext4",
            ["-F", "-q", "-L", Label, "-U", uuid.ToString(), "-E", $"offset={offsetBytes},root_owner=0:0,hash_seed={uuid}", "-d", root, disk, $"{sizeBytes / 1024}k"],
            environment,
            "mkfs.ext4",
            null,
            cancellationToken);
        await SetInodeTimesAsync(disk, offsetBytes, sourceDateEpoch, cancellationToken);
    }

    /// <summary>Sets the atime and ctime of every used inode (the root directory's and from the first ordinary inode on).</summary>
    public static async Task SetInodeTimesAsync(string disk, long offsetBytes, long sourceDateEpoch, CancellationToken cancellationToken)
    {
        // The unix I/O manager's "?offset=" option (ext2fs_open2 splits it off the name): the partition inside the disk.
        var device = $"{disk}?offset={offsetBytes.ToString(CultureInfo.InvariantCulture)}";
        var groups = new InodeGroups();
        await BakeTool.RunAsync(
            "dumpe2fs",
            [device],
            null,
            "dumpe2fs",
            line =>
            {
                if (!line.IsError)
                {
                    groups.Add(line.Text);
                }
            },
            cancellationToken);

        var commands = disk + ".inode-times";
        try
        {
            await using (var writer = new StreamWriter(commands, append: false))
            {
                var at = "@" + sourceDateEpoch.ToString(CultureInfo.InvariantCulture);
                foreach (var inode in groups.UsedInodes())
                {
                    await writer.WriteAsync($"sif <{inode}> atime {at}\nsif <{inode}> ctime {at}\n".AsMemory(), cancellationToken);
                }
            }

            // debugfs exits 0 whatever its commands do; their errors are its only stderr lines after the version banner.
            var errors = new List<string>();
            await BakeTool.RunAsync(
                "debugfs",
                ["-w", "-f", commands, device],
                new Dictionary<string, string?> { ["E2FSPROGS_FAKE_TIME"] = sourceDateEpoch.ToString(CultureInfo.InvariantCulture) },
                "debugfs",
                line =>
                {
                    lock (errors)
                    {
                        if (line.IsError && errors.Count < 12 && !line.Text.StartsWith("debugfs ", StringComparison.Ordinal))
                        {
                            errors.Add(line.Text);
                        }
                    }
                },
                cancellationToken);
            if (errors.Count > 0)
            {
                throw BakeException.StepFailed($"debugfs could not set the inode times:\n  {string.Join("\n  ", errors)}");
            }
        }
        finally
        {
            File.Delete(commands);
        }
    }
}
