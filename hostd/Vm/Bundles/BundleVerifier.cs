using System.Security.Cryptography;
using System.Text.Json;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>
/// Checks a bundle directory against its manifest: format version, part names, sizes and SHA-256
/// of every part, the spec's validity, and that the parts fit the memory format. Used before any
/// clone starts, and by <c>jumpstart bundle verify</c>.
/// </summary>
public static class BundleVerifier
{
    private const int HashBufferBytes = 1 << 20;

    /// <exception cref="BundleException">What is wrong, first problem found.</exception>
    public static Task<VerifiedBundle> VerifyAsync(string directory, CancellationToken cancellationToken)
        => VerifyAsync(directory, new Dictionary<string, string>(), reuseVerified: false, cancellationToken);

    /// <summary>
    /// As above; with <paramref name="reuseVerified"/> a part this process hashed before and that is still the same,
    /// unchanged file (<see cref="VerifiedPartCache"/>: device, inode, size, mtime, ctime) is not hashed again: what a
    /// clone request uses, so cloning one bundle again does not re-read it. An operator's verify hashes everything.
    /// </summary>
    /// <exception cref="BundleException">What is wrong, first problem found.</exception>
    public static Task<VerifiedBundle> VerifyAsync(string directory, bool reuseVerified, CancellationToken cancellationToken)
        => VerifyAsync(directory, new Dictionary<string, string>(), reuseVerified, cancellationToken);

    /// <summary>
    /// As above, taking the SHA-256 of some parts as already computed by the caller, who wrote those files itself from
    /// the bytes it hashed (a received bundle's staging: <see cref="Shipping.PartHashes"/>); their size is still checked
    /// on disk, their content not read again. <paramref name="knownHashes"/>: lowercase hex SHA-256 by part file name.
    /// </summary>
    /// <exception cref="BundleException">What is wrong, first problem found.</exception>
    public static Task<VerifiedBundle> VerifyAsync(string directory, IReadOnlyDictionary<string, string> knownHashes, CancellationToken cancellationToken)
        => VerifyAsync(directory, knownHashes, reuseVerified: false, cancellationToken);

    private static async Task<VerifiedBundle> VerifyAsync(string directory, IReadOnlyDictionary<string, string> knownHashes, bool reuseVerified, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var manifest = ReadJson<BundleManifest>(name, Path.Combine(directory, BundleManifest.FileName));
        if (manifest.FormatVersion != BundleManifest.CurrentFormatVersion)
        {
            throw new BundleException(name, BundleProblem.Unsupported, $"format version {manifest.FormatVersion} (this hostd reads {BundleManifest.CurrentFormatVersion})");
        }

        CheckLayout(name, manifest);
        foreach (var part in manifest.Parts)
        {
            if (knownHashes.TryGetValue(part.File, out var known))
            {
                CheckKnownPart(name, directory, part, known);
            }
            else
            {
                await CheckPartAsync(name, directory, part, reuseVerified, cancellationToken);
            }
        }

        var spec = ReadJson<VmSpec>(name, Path.Combine(directory, BundleFiles.Spec));
        try
        {
            VmSpecValidator.Validate(spec);
        }
        catch (VmSpecException ex)
        {
            throw new BundleException(name, BundleProblem.Malformed, ex.Message, ex);
        }

        var diskIds = manifest.Parts.Where(p => p.Role == BundlePartRole.Disk).Select(p => p.DiskId).Order(StringComparer.Ordinal);
        if (!diskIds.SequenceEqual(spec.Disks.Select(d => d.Id).Order(StringComparer.Ordinal)))
        {
            throw new BundleException(name, BundleProblem.Malformed, "the disk parts do not match the spec's disks");
        }

        if (manifest.Part(BundlePartRole.Ram) is { } ram && ram.Size != spec.MemoryMiB * 1024L * 1024L)
        {
            throw new BundleException(name, BundleProblem.Malformed, $"the RAM file holds {ram.Size} bytes, the spec has {spec.MemoryMiB} MiB");
        }

        return new VerifiedBundle(directory, manifest, spec);
    }

    /// <summary>Reads the manifest and spec without checking any part (for listings).</summary>
    /// <exception cref="BundleException">They are missing or malformed.</exception>
    public static VerifiedBundle ReadUnverified(string directory)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var manifest = ReadJson<BundleManifest>(name, Path.Combine(directory, BundleManifest.FileName));
        return new VerifiedBundle(directory, manifest, ReadJson<VmSpec>(name, Path.Combine(directory, BundleFiles.Spec)));
    }

    /// <summary>SHA-256 of a file as lowercase hex.</summary>
    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, HashBufferBytes, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static void CheckLayout(string name, BundleManifest manifest)
    {
        var expected = new List<(BundlePartRole Role, string File)> { (BundlePartRole.Spec, BundleFiles.Spec) };
        expected.Add((BundlePartRole.State, manifest.Compressed ? BundleFiles.CompressedState : BundleFiles.State));
        if (manifest.MemoryFormat == MemoryFormat.Mapped)
        {
            if (manifest.Compressed)
            {
                throw new BundleException(name, BundleProblem.Unsupported, "a mapped bundle's device state is never compressed");
            }

            expected.Add((BundlePartRole.Ram, BundleFiles.Ram));
        }

        foreach (var (role, file) in expected)
        {
            if (manifest.Parts.Count(p => p.Role == role) != 1 || manifest.Part(role)!.File != file)
            {
                throw new BundleException(name, BundleProblem.Malformed, $"the manifest must list exactly one {role} part named {file}");
            }
        }

        foreach (var part in manifest.Parts)
        {
            var ok = part.Role != BundlePartRole.Disk
                ? expected.Contains((part.Role, part.File))
                : part.DiskId is { } id && VmNames.IsValid(id) && part.File == BundleFiles.Disk(id);
            if (!ok || part.Size < 0 || part.Sha256.Length != SHA256.HashSizeInBytes * 2)
            {
                throw new BundleException(name, BundleProblem.Malformed, $"unexpected part '{part.File}' ({part.Role})");
            }
        }
    }

    private static void CheckKnownPart(string name, string directory, BundlePart part, string sha256)
    {
        var file = new FileInfo(Path.Combine(directory, part.File));
        if (!file.Exists || file.LinkTarget is not null)
        {
            throw new BundleException(name, BundleProblem.Missing, $"part {part.File} is missing");
        }

        CheckMatches(name, part, file.Length, sha256);
    }

    private static async Task CheckPartAsync(string name, string directory, BundlePart part, bool reuseVerified, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, part.File);

        // Hashed before and unchanged since (same device, inode, size, mtime and ctime): not read again.
        var before = VerifiedPartCache.Identify(path);
        if (reuseVerified && before is { } known && known.Size == part.Size && VerifiedPartCache.IsVerified(path, known, part.Sha256))
        {
            return;
        }

        string actual;
        long length;
        try
        {
            // No more than the manifest's size is read: a part that grew, or is a device or FIFO, is refused as it is read.
            await using var stream = BoundedFile.OpenRead(path, part.Size, HashBufferBytes);
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            length = stream.Position;
        }
        catch (FileNotFoundException)
        {
            throw new BundleException(name, BundleProblem.Missing, $"part {part.File} is missing");
        }
        catch (InputFileException ex) when (ex.Problem == InputFileProblem.TooLarge)
        {
            throw new BundleException(name, BundleProblem.SizeMismatch, $"part {part.File} is larger than the {part.Size} bytes the manifest says (replaced)", ex);
        }
        catch (InputFileException ex)
        {
            throw new BundleException(name, BundleProblem.Malformed, $"part {part.File}: {ex.Message}", ex);
        }

        CheckMatches(name, part, length, actual);

        // Remembered only when the file did not change while it was read.
        if (before is { } identity && VerifiedPartCache.Identify(path) == identity)
        {
            VerifiedPartCache.Remember(path, identity, actual);
        }
    }

    private static void CheckMatches(string name, BundlePart part, long length, string sha256)
    {
        if (length != part.Size)
        {
            throw new BundleException(name, BundleProblem.SizeMismatch, $"part {part.File} is {length} bytes, the manifest says {part.Size} (truncated or replaced)");
        }

        if (!string.Equals(sha256, part.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new BundleException(name, BundleProblem.ChecksumMismatch, $"part {part.File} is corrupted (SHA-256 {sha256}, the manifest says {part.Sha256})");
        }
    }

    private static T ReadJson<T>(string name, string path)
    {
        var file = Path.GetFileName(path);
        try
        {
            return JsonSerializer.Deserialize<T>(BoundedFile.ReadAllBytes(path, BundleFiles.MaxJsonBytes), BundleJson.Options)
                ?? throw new BundleException(name, BundleProblem.Malformed, $"{file} is null");
        }
        catch (FileNotFoundException ex)
        {
            throw new BundleException(name, BundleProblem.Missing, $"{file} is missing (not a bundle, or an incomplete one)", ex);
        }
        catch (InputFileException ex)
        {
            throw new BundleException(name, BundleProblem.Malformed, ex.Message, ex);
        }
        catch (JsonException ex)
        {
            throw new BundleException(name, BundleProblem.Malformed, $"{file} is not valid: {ex.Message}", ex);
        }
    }
}
