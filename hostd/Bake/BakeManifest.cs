using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// <c>image.json</c> beside a baked image: what it is and how to boot it directly (the kernel and initramfs written
/// beside it, the kernel command line); <c>jumpstart template create --image</c> reads it.
/// </summary>
public sealed record BakeManifest
{
    public const string FileName = "image.json";
    public const string ImageFileName = "image.qcow2";
    public const string KernelFileName = "vmlinuz";
    public const string InitrdFileName = "initrd.img";

    /// <summary>Largest manifest read back.</summary>
    public const int MaxBytes = 64 * 1024;

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The recipe's name.</summary>
    public required string Name { get; init; }

    /// <summary>The content hash of every input (the cache key, 16 hex digits).</summary>
    public required string Key { get; init; }

    public required string Suite { get; init; }

    /// <summary>The disk's virtual size.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>The root file system's UUID (derived from the key, so the same inputs give the same image).</summary>
    public required string RootUuid { get; init; }

    /// <summary>The kernel command line for direct boot (also in the image's grub.cfg).</summary>
    public required string Append { get; init; }

    public required string KernelRelease { get; init; }

    public required long SourceDateEpoch { get; init; }

    /// <summary>The packages the recipe added (the base set is fixed per baker version).</summary>
    public required IReadOnlyList<string> Packages { get; init; }

    /// <summary>SHA-256 of image.qcow2 (two bakes of the same inputs compare equal when the build is reproducible).</summary>
    public required string ImageSha256 { get; init; }

    public required long ImageBytes { get; init; }

    /// <summary>Bytes the root file system holds.</summary>
    public required long RootBytes { get; init; }

    /// <summary>Seconds the bake took (mmdebstrap, file system, image).</summary>
    public required double BakeSeconds { get; init; }

    /// <summary>Reads <c>image.json</c> from an image's cache directory.</summary>
    /// <exception cref="BakeException">No manifest (66) or a malformed one (65).</exception>
    public static BakeManifest Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw BakeException.NoInput($"no baked image at {directory} (no {FileName}; make one with 'jumpstart image bake')");
        }

        return ReadFile(path);
    }

    /// <summary>Reads a manifest file.</summary>
    /// <exception cref="BakeException">A malformed manifest (65).</exception>
    public static BakeManifest ReadFile(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<BakeManifest>(Shared.IO.BoundedFile.ReadAllBytes(path, MaxBytes), JsonOptions)
                ?? throw BakeException.BadRecipe(path, "is empty");
        }
        catch (JsonException ex)
        {
            throw BakeException.BadRecipe(path, $"is not an image manifest: {ex.Message}");
        }
    }
}
