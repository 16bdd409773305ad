namespace Jumpstart.Shared.HostApi;

/// <summary>A state bundle as <c>template.list</c> and <c>bundle.verify</c> show it.</summary>
public sealed record BundleInfo
{
    public required string Name { get; init; }

    public required string Path { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string MemoryFormat { get; init; } = string.Empty;

    public bool Compressed { get; init; }

    public string Accelerator { get; init; } = string.Empty;

    public string QemuVersion { get; init; } = string.Empty;

    public int MemoryMiB { get; init; }

    /// <summary>The NIC's MAC in the template (what a clone's metadata matches its interface by), or null without a NIC.</summary>
    public string? TemplateMac { get; init; }

    public long TotalBytes { get; init; }

    /// <summary>Size of the migration stream (all of memory for stream bundles, device state for mapped ones).</summary>
    public long StateBytes { get; init; }

    /// <summary>True when every checksum was checked just now.</summary>
    public bool Verified { get; init; }

    /// <summary>Why the bundle is unusable, when listing found it so.</summary>
    public string? Problem { get; init; }
}
