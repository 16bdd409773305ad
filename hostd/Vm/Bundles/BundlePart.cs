namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>One file of a bundle with its size and SHA-256 (lowercase hex).</summary>
public sealed record BundlePart
{
    public required string File { get; init; }

    public required BundlePartRole Role { get; init; }

    /// <summary>The disk id, for <see cref="BundlePartRole.Disk"/>.</summary>
    public string? DiskId { get; init; }

    public required long Size { get; init; }

    public required string Sha256 { get; init; }
}
