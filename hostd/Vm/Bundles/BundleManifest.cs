using Jumpstart.Hostd.Vm.Supervisor;


namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>
/// manifest.json of a state bundle: written last, so a bundle without one is incomplete. Every
/// other file is a <see cref="BundlePart"/> with a checksum.
/// </summary>
public sealed record BundleManifest
{
    public const int CurrentFormatVersion = 1;

    public const string FileName = "manifest.json";

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Name { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required MemoryFormat MemoryFormat { get; init; }

    /// <summary>True when the state stream is zstd-compressed (stream format only).</summary>
    public bool Compressed { get; init; }

    /// <summary>The accelerator the template ran under; clones must use the same.</summary>
    public required Accelerator Accelerator { get; init; }

    /// <summary>The QEMU that wrote the stream, e.g. 7.2.22.</summary>
    public required string QemuVersion { get; init; }

    public required IReadOnlyList<BundlePart> Parts { get; init; }

    /// <summary>The part with <paramref name="role"/> (the first, for disks use <see cref="Parts"/>).</summary>
    public BundlePart? Part(BundlePartRole role) => Parts.FirstOrDefault(p => p.Role == role);
}
