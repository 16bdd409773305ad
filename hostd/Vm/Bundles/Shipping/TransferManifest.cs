using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Jumpstart.Hostd.Vm.Supervisor;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>
/// What a source offers: the bundle's manifest.json (whose SHA-256 is the bundle's id) and every part cut into
/// fixed-size chunks, each with its SHA-256. Chunks are numbered across the files in order; a chunk never spans two files.
/// </summary>
public sealed record TransferManifest
{
    /// <summary>The bundle's content address: SHA-256 of <see cref="ManifestJson"/>, lowercase hex.</summary>
    public required string BundleId { get; init; }

    /// <summary>The bytes of manifest.json.</summary>
    public required byte[] ManifestJson { get; init; }

    public required int ChunkBytes { get; init; }

    public required IReadOnlyList<TransferFile> Files { get; init; }

    [JsonIgnore]
    public long TotalBytes => Files.Sum(f => f.Size);

    [JsonIgnore]
    public int ChunkCount => Files.Sum(f => f.Chunks.Count);

    /// <summary>The file, offset and length of chunk <paramref name="index"/>.</summary>
    public (TransferFile File, long Offset, int Length) Locate(int index)
    {
        var first = 0;
        foreach (var file in Files)
        {
            if (index < first + file.Chunks.Count)
            {
                var offset = (long)(index - first) * ChunkBytes;
                return (file, offset, (int)Math.Min(ChunkBytes, file.Size - offset));
            }

            first += file.Chunks.Count;
        }

        throw new ArgumentOutOfRangeException(nameof(index), index, "no such chunk");
    }

    public string HashOf(int index)
    {
        foreach (var file in Files)
        {
            if (index < file.Chunks.Count)
            {
                return file.Chunks[index];
            }

            index -= file.Chunks.Count;
        }

        throw new ArgumentOutOfRangeException(nameof(index), index, "no such chunk");
    }

    /// <summary>The bundle's id: SHA-256 of its manifest bytes.</summary>
    public static string IdOf(ReadOnlySpan<byte> manifestJson) => Convert.ToHexStringLower(SHA256.HashData(manifestJson));

    /// <summary>Cuts a verified bundle into chunks of <paramref name="chunkBytes"/>, or larger ones (doubled) when that would make more than <see cref="ShippingLimits.MaxChunks"/>.</summary>
    public static async Task<TransferManifest> CreateAsync(string bundleDirectory, int chunkBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, ShippingLimits.MinChunkBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkBytes, ShippingLimits.MaxChunkBytes);
        var bundle = await BundleVerifier.VerifyAsync(bundleDirectory, cancellationToken);

        // At most MaxChunks chunks: a bundle too big for the asked size travels in larger chunks (the receivers take the manifest's).
        while (chunkBytes < ShippingLimits.MaxChunkBytes && bundle.Manifest.Parts.Sum(p => (p.Size + chunkBytes - 1) / chunkBytes) > ShippingLimits.MaxChunks)
        {
            chunkBytes *= 2;
        }

        var manifestJson = await File.ReadAllBytesAsync(Path.Combine(bundleDirectory, BundleManifest.FileName), cancellationToken);
        var buffer = new byte[chunkBytes];
        var files = new List<TransferFile>();
        foreach (var part in bundle.Manifest.Parts)
        {
            var hashes = new List<string>();
            await using var stream = new FileStream(bundle.PathOf(part), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            for (long offset = 0; offset < part.Size; offset += chunkBytes)
            {
                var length = (int)Math.Min(chunkBytes, part.Size - offset);
                await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
                hashes.Add(Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, length))));
            }

            files.Add(new TransferFile { Name = part.File, Size = part.Size, Chunks = hashes });
        }

        return new TransferManifest { BundleId = IdOf(manifestJson), ManifestJson = manifestJson, ChunkBytes = chunkBytes, Files = files };
    }

    /// <summary>Checks everything a peer's manifest claims before the receiver allocates or writes anything.</summary>
    /// <exception cref="ShippingException">Out of bounds, inconsistent, or a file name a bundle cannot have.</exception>
    public BundleManifest Validate()
    {
        Require(ChunkBytes is >= ShippingLimits.MinChunkBytes and <= ShippingLimits.MaxChunkBytes, $"chunk size {ChunkBytes} outside {ShippingLimits.MinChunkBytes}..{ShippingLimits.MaxChunkBytes}");
        Require(ManifestJson is { Length: > 0 and <= BundleFiles.MaxJsonBytes }, "manifest missing or too long");
        Require(IdOf(ManifestJson) == BundleId, "the bundle id is not the SHA-256 of its manifest");
        Require(Files is { Count: > 0 and <= ShippingLimits.MaxFiles }, "no files or too many files");
        BundleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BundleManifest>(ManifestJson, BundleJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new ShippingException(ShippingProblem.Protocol, $"bundle {BundleId}: malformed manifest: {ex.Message}", ex);
        }

        Require(manifest.Parts is { Count: > 0 and <= ShippingLimits.MaxFiles } && manifest.Parts.Count == Files.Count, "the files differ from the manifest's parts");
        long chunks = 0;
        for (var i = 0; i < Files.Count; i++)
        {
            var file = Files[i];
            var part = manifest.Parts[i];
            Require(file.Name == part.File && file.Size == part.Size && IsPartName(file.Name), $"file '{file.Name}' is not the manifest's part '{part.File}'");
            Require(file.Size >= 0 && file.Chunks.Count == (file.Size + ChunkBytes - 1) / ChunkBytes, $"file '{file.Name}' has the wrong number of chunks");
            Require(file.Chunks.All(h => h is { Length: SHA256.HashSizeInBytes * 2 } && h.All(char.IsAsciiHexDigitLower)), $"file '{file.Name}' has a malformed chunk hash");
            chunks += file.Chunks.Count;
        }

        Require(chunks <= ShippingLimits.MaxChunks, $"{chunks} chunks (at most {ShippingLimits.MaxChunks})");
        return manifest;
    }

    /// <summary>Only names a bundle part may have, so nothing is written outside the staging directory.</summary>
    private static bool IsPartName(string name)
        => name is BundleFiles.Spec or BundleFiles.State or BundleFiles.CompressedState or BundleFiles.Ram
            || (name.StartsWith("disk-", StringComparison.Ordinal) && name.EndsWith(".qcow2", StringComparison.Ordinal)
                && VmNames.IsValid(name["disk-".Length..^".qcow2".Length]));

    private void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new ShippingException(ShippingProblem.Protocol, $"bundle {BundleId}: {what}");
        }
    }
}
