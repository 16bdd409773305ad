namespace Jumpstart.Hostd.Bake;

/// <summary>What <c>jumpstart image bake</c> prints: where the image and its kernel are, and its manifest.</summary>
public sealed record BakeReport
{
    public required string Directory { get; init; }

    public required string Image { get; init; }

    public required string Kernel { get; init; }

    public required string Initrd { get; init; }

    public required bool CacheHit { get; init; }

    public required BakeManifest Manifest { get; init; }
}
