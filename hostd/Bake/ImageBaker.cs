using System.Security.Cryptography;
using System.Text.Json;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// Bakes a bootable Debian 12 disk image (qcow2) from the Debian archive alone: mmdebstrap builds the root file system
/// (systemd, a kernel and initramfs, GRUB, the jumpstart-guest package enabled, the recipe's packages, files and
/// commands), the image is stripped of identity, mke2fs writes the file system from the directory (no loop device, no
/// mount), and <see cref="MbrDisk"/> makes it BIOS-bootable. The kernel and initramfs are written beside it.
/// </summary>
/// <remarks>
/// Order: check the recipe and its packages (nothing done yet) -> content hash -> cache hit? -> build in a work
/// directory under the cache -> rename the finished directory to its hash (atomic: a failed or interrupted bake
/// leaves no image, only a work directory the next bake of any recipe removes).
/// </remarks>
public sealed class ImageBaker(BakeOptions options, BakeProgress progress)
{
    private const string WorkPrefix = ".work-";
    private const string CompleteMarker = ".complete";

    /// <summary>mke2fs needs room beyond the files: inode tables, the journal, reserved blocks.</summary>
    private const double FileSystemOverhead = 1.15;
    private const long FileSystemSlackBytes = 160L << 20;

    /// <summary>How long to wait for another bake of the same hash.</summary>
    private static readonly TimeSpan s_lockPoll = TimeSpan.FromSeconds(1);

    /// <summary>Bakes <paramref name="recipe"/> or returns the cached image of the same inputs.</summary>
    public async Task<BakeResult> BakeAsync(BakeRecipe recipe, CancellationToken cancellationToken)
    {
        progress.Step(1, $"checking recipe {recipe.Path} ({recipe.Packages.Count} packages, {recipe.Files.Count} files, {recipe.Commands.Count} commands)");
        var unknown = await PackageCatalog.UnknownAsync(recipe.Packages, cancellationToken);
        if (unknown.Count > 0)
        {
            throw BakeException.BadRecipe(recipe.Path, $"the archive has no package {string.Join(", ", unknown)}");
        }

        RequireTools();
        var inputs = await BakeInputs.ComputeAsync(recipe, options, cancellationToken);
        var final = Path.Combine(options.CacheDirectory, inputs.Key);
        Directory.CreateDirectory(options.CacheDirectory);
        if (!options.Rebuild && IsComplete(final))
        {
            progress.Step(BakeProgress.Steps, $"cached: {final}");
            return new BakeResult(final, BakeManifest.Read(final), CacheHit: true);
        }

        await using var bakeLock = await LockAsync(inputs.Key, cancellationToken);
        if (!options.Rebuild && IsComplete(final))
        {
            progress.Step(BakeProgress.Steps, $"cached (baked by another process meanwhile): {final}");
            return new BakeResult(final, BakeManifest.Read(final), CacheHit: true);
        }

        await RemoveStaleWorkAsync(cancellationToken);
        var work = Path.Combine(options.CacheDirectory, WorkPrefix + inputs.Key + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        try
        {
            var manifest = await BuildAsync(recipe, inputs, work, cancellationToken);
            var result = Path.Combine(work, "result");
            await File.WriteAllBytesAsync(Path.Combine(result, BakeManifest.FileName), JsonSerializer.SerializeToUtf8Bytes(manifest, BakeManifest.JsonOptions), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(result, CompleteMarker), inputs.Key + "\n", cancellationToken);
            if (Directory.Exists(final))
            {
                Directory.Delete(final, recursive: true);
            }

            Directory.Move(result, final);
            progress.Step(BakeProgress.Steps, $"baked {final} ({Quantities.FormatBytes(manifest.ImageBytes)} qcow2) in {manifest.BakeSeconds:F0}s");
            return new BakeResult(final, manifest, CacheHit: false);
        }
        finally
        {
            await RemoveWorkAsync(work);
        }
    }

    private async Task<BakeManifest> BuildAsync(BakeRecipe recipe, BakeInputs inputs, string work, CancellationToken cancellationToken)
    {
        var stage = Path.Combine(work, "stage");
        var root = Path.Combine(work, "root");
        var result = Path.Combine(work, "result");
        Directory.CreateDirectory(result);
        await BakeStage.WriteAsync(stage, recipe, cancellationToken);

        progress.Step(2, $"building the root file system with mmdebstrap ({BakeOptions.Suite}, key {inputs.Key}, SOURCE_DATE_EPOCH={inputs.SourceDateEpoch})");
        await RunAsync("mmdebstrap", MmdebstrapArguments(recipe, inputs, stage, root), Environment(inputs, stage), "mmdebstrap", cancellationToken);

        progress.Step(3, $"finishing the root: machine-id uninitialized, timestamps clamped to {inputs.SourceDateEpoch}, sizing");
        FinishRoot(root, inputs);
        var epoch = "@" + inputs.SourceDateEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync("find", [root, "-xdev", "-newermt", epoch, "-exec", "touch", "--no-dereference", "--date=" + epoch, "{}", "+"], null, "clamping timestamps", cancellationToken);
        var rootBytes = await RootBytesAsync(root, cancellationToken);
        var partitionBytes = recipe.SizeBytes - MbrDisk.PartitionOffsetBytes;
        var needed = (long)(rootBytes * FileSystemOverhead) + FileSystemSlackBytes;
        if (needed > partitionBytes)
        {
            throw BakeException.BadRecipe(
                recipe.Path,
                $"size {Quantities.FormatBytes(recipe.SizeBytes)} is too small: the root file system holds {Quantities.FormatBytes(rootBytes)} and needs about {Quantities.FormatBytes(needed + MbrDisk.PartitionOffsetBytes)} of disk");
        }

        progress.Step(4, $"writing the disk: MBR, GRUB, ext4 from the directory ({Quantities.FormatBytes(rootBytes)} of files), inode times set to {inputs.SourceDateEpoch}");
        var raw = Path.Combine(work, "disk.raw");
        await WriteDiskAsync(raw, Path.Combine(stage, "out"), recipe.SizeBytes, inputs, cancellationToken);
        await RootFileSystem.WriteAsync(raw, MbrDisk.PartitionOffsetBytes, partitionBytes, root, inputs.RootUuid, inputs.SourceDateEpoch, cancellationToken);

        progress.Step(5, "converting to qcow2");
        var image = Path.Combine(result, BakeManifest.ImageFileName);
        await RunAsync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", "-o", "compat=1.1", raw, image], null, "qemu-img convert", cancellationToken);
        File.Move(Path.Combine(stage, "out", "vmlinuz"), Path.Combine(result, BakeManifest.KernelFileName));
        File.Move(Path.Combine(stage, "out", "initrd.img"), Path.Combine(result, BakeManifest.InitrdFileName));

        return new BakeManifest
        {
            Name = recipe.Name,
            Key = inputs.Key,
            Suite = BakeOptions.Suite,
            SizeBytes = recipe.SizeBytes,
            RootUuid = inputs.RootUuid.ToString(),
            Append = inputs.Append,
            KernelRelease = (await File.ReadAllTextAsync(Path.Combine(stage, "out", "kernel-release"), cancellationToken)).Trim(),
            SourceDateEpoch = inputs.SourceDateEpoch,
            Packages = recipe.Packages,
            ImageSha256 = await Sha256Async(image, cancellationToken),
            ImageBytes = new FileInfo(image).Length,
            RootBytes = rootBytes,
            BakeSeconds = Math.Round(progress.Elapsed.TotalSeconds, 1),
        };
    }

    // After mmdebstrap's own last steps (it empties /etc/machine-id; the file-mirror hook leaves the .deb's mount
    // point behind as an empty file).
    private void FinishRoot(string root, BakeInputs inputs)
    {
        var epoch = DateTimeOffset.FromUnixTimeSeconds(inputs.SourceDateEpoch).UtcDateTime;

        // systemd(1), "First Boot Semantics": "uninitialized" makes the first boot of every copy generate its own id.
        var machineId = Path.Combine(root, "etc", "machine-id");
        File.WriteAllText(machineId, "uninitialized\n");
        File.SetLastWriteTimeUtc(machineId, epoch);

        // mmdebstrap's temporary files (its apt.conf lives in the chroot's /tmp until it exits; see BakeHookScript).
        foreach (var entry in new DirectoryInfo(Path.Combine(root, "tmp")).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory && directory.LinkTarget is null)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }

        var placeholder = Path.Combine(root, Path.GetFullPath(options.GuestPackage).TrimStart('/'));
        if (File.Exists(placeholder) && new FileInfo(placeholder).Length == 0)
        {
            File.Delete(placeholder);
            var stop = Path.Combine(root, "var");
            for (var directory = Path.GetDirectoryName(placeholder); directory is not null && directory.Length > stop.Length
                && directory.StartsWith(root + "/", StringComparison.Ordinal) && Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any();
                directory = Path.GetDirectoryName(directory))
            {
                Directory.Delete(directory);
            }
        }
    }

    private string[] MmdebstrapArguments(BakeRecipe recipe, BakeInputs inputs, string stage, string root)
    {
        var packages = BakeInputs.BasePackages.Concat(recipe.Packages).Distinct(StringComparer.Ordinal);
        return
        [
            "--mode=root",
            "--variant=minbase",
            "--format=directory",
            "--include=" + string.Join(',', packages),
            // A path argument of --include is never split (mmdebstrap(1)); the hook makes it visible inside the chroot.
            "--include=" + Path.GetFullPath(options.GuestPackage),
            "--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount",
            // dpkg without fsync while the root is built (mmdebstrap's own hook: libeatmydata is fetched into the chroot
            // for the bake and removed at its end, so the image does not keep it). Nothing of a half-built root is kept.
            "--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata",
            "--dpkgopt=path-exclude=/usr/share/doc/*",
            "--dpkgopt=path-include=/usr/share/doc/*/copyright",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
            "--dpkgopt=path-exclude=/usr/share/info/*",
            "--customize-hook=" + Path.Combine(stage, BakeHookScript.FileName),
            BakeOptions.Suite,
            root,
            .. inputs.SourceFiles,
        ];
    }

    private Dictionary<string, string?> Environment(BakeInputs inputs, string stage) => new()
    {
        ["JUMPSTART_BAKE_STAGE"] = stage,
        ["JUMPSTART_BAKE_ROOT_UUID"] = inputs.RootUuid.ToString(),
        ["JUMPSTART_BAKE_APPEND"] = inputs.Append,
        ["JUMPSTART_BAKE_GRUB_MODULES"] = BakeHookScript.GrubModules,
        ["JUMPSTART_BAKE_GUEST_DEB"] = Path.GetFullPath(options.GuestPackage),
        ["SOURCE_DATE_EPOCH"] = inputs.SourceDateEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["DEBIAN_FRONTEND"] = "noninteractive",
        ["LC_ALL"] = "C.UTF-8",
        ["TMPDIR"] = null,
    };

    private static async Task WriteDiskAsync(string raw, string boot, long size, BakeInputs inputs, CancellationToken cancellationToken)
    {
        var bootImage = await File.ReadAllBytesAsync(Path.Combine(boot, "boot.img"), cancellationToken);
        var coreImage = await File.ReadAllBytesAsync(Path.Combine(boot, "core.img"), cancellationToken);
        await using var disk = new FileStream(raw, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        disk.SetLength(size);
        MbrDisk.Write(disk, bootImage, coreImage, BitConverter.ToUInt32(inputs.RootUuid.ToByteArray(), 0));
    }

    // mmdebstrap's own steps and the hook's go to the progress; dpkg's per-package lines stay out of the way.
    private Task RunAsync(string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment, string step, CancellationToken cancellationToken)
        => BakeTool.RunAsync(
            tool,
            arguments,
            environment,
            step,
            line =>
            {
                if (line.Text.StartsWith("I: ", StringComparison.Ordinal) || line.Text.StartsWith("jumpstart-bake: ", StringComparison.Ordinal)
                    || line.Text.StartsWith("E: ", StringComparison.Ordinal) || line.Text.StartsWith("W: ", StringComparison.Ordinal))
                {
                    progress.Detail(line.Text);
                }
            },
            cancellationToken);

    private static async Task<long> RootBytesAsync(string root, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("du", ["-s", "-x", "--block-size=1", root], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(5) }, cancellationToken);
        return result.Succeeded && long.TryParse(result.StandardOutput.Split('\t', 2)[0], out var bytes)
            ? bytes
            : throw BakeException.StepFailed($"du could not size {root}: {result.StandardError.Trim()}");
    }

    private static void RequireTools()
    {
        if (!OperatingSystem.IsLinux() || System.Environment.UserName != "root")
        {
            throw BakeException.StepFailed("image bake runs as root (mmdebstrap --mode=root, file ownership in the image)");
        }

        foreach (var tool in new[] { "mmdebstrap", "mkfs.ext4", "dumpe2fs", "debugfs", "qemu-img", "du" })
        {
            var found = (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
                .Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Any(d => File.Exists(Path.Combine(d, tool)));
            if (!found)
            {
                throw BakeException.StepFailed($"{tool} is missing (apt-get install mmdebstrap e2fsprogs qemu-utils; packaging/setup installs them)");
            }
        }
    }

    private static bool IsComplete(string directory)
        => File.Exists(Path.Combine(directory, CompleteMarker)) && File.Exists(Path.Combine(directory, BakeManifest.FileName));

    private async Task<FileStream> LockAsync(string key, CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.CacheDirectory, ".lock-" + key);
        var deadline = DateTime.UtcNow + BakeLimits.MaxBakeTime;
        var told = false;
        while (true)
        {
            try
            {
                // .NET takes an advisory flock(2) for FileShare.None: a second bake of the same hash waits here.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                if (!told)
                {
                    progress.Detail($"another bake of {key} is running; waiting for it");
                    told = true;
                }

                await Task.Delay(s_lockPoll, cancellationToken);
            }
        }
    }

    // A work directory whose bake was killed: remove it unless its lock is held (a bake in progress).
    private async Task RemoveStaleWorkAsync(CancellationToken cancellationToken)
    {
        foreach (var directory in Directory.GetDirectories(options.CacheDirectory, WorkPrefix + "*"))
        {
            var key = Path.GetFileName(directory)[WorkPrefix.Length..].Split('-')[0];
            try
            {
                await using var held = new FileStream(Path.Combine(options.CacheDirectory, ".lock-" + key), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                await UnmountUnderAsync(directory, cancellationToken);
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // In use by a running bake of that hash (or this one's own lock): leave it.
            }
        }
    }

    private static async Task RemoveWorkAsync(string work)
    {
        if (!Directory.Exists(work))
        {
            return;
        }

        await UnmountUnderAsync(work, CancellationToken.None);
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
            // A busy mount mmdebstrap left behind; the next bake's RemoveStaleWorkAsync tries again.
        }
    }

    // mmdebstrap unmounts /proc, /sys, /dev of the chroot itself; after a crash they may remain, and a recursive delete
    // must never walk into the host's /dev or /sys through them.
    private static async Task UnmountUnderAsync(string directory, CancellationToken cancellationToken)
    {
        var prefix = Path.GetFullPath(directory) + "/";
        var mounts = File.ReadAllLines("/proc/self/mounts")
            .Select(l => l.Split(' ')[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => m.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(m => m.Length);
        foreach (var mount in mounts)
        {
            await ProcessRunner.RunAsync("umount", ["--lazy", mount], new ProcessRunOptions { Timeout = TimeSpan.FromMinutes(1) }, cancellationToken);
        }
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
