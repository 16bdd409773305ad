namespace Jumpstart.Shared.Cluster;

/// <summary>What a host reports in each heartbeat.</summary>
public sealed record HostCapacity
{
    /// <summary>Most bundle names one heartbeat may carry; more is refused.</summary>
    public const int MaxBundles = 4096;

    /// <summary>Longest bundle name a heartbeat may carry.</summary>
    public const int MaxBundleNameLength = 255;

    public required int Cores { get; init; }

    public required long MemoryTotalBytes { get; init; }

    /// <summary>MemAvailable of /proc/meminfo.</summary>
    public required long MemoryAvailableBytes { get; init; }

    public required int RunningVms { get; init; }

    /// <summary>The state bundles this host holds.</summary>
    public IReadOnlyList<string> Bundles { get; init; } = [];

    /// <summary>Free space in the host's state directory.</summary>
    public required long FreeSpaceBytes { get; init; }

    /// <summary>Longest <see cref="Cms"/> a heartbeat may carry.</summary>
    public const int MaxCmsEndpointLength = 300;

    /// <summary>
    /// The CMS this host runs on the cluster's shared store (etcd), as guests reach it (<c>HOST:PORT</c>); null when it
    /// runs none, or one on a store of its own. A cluster deployment names the other managers' ones on its clones' discs.
    /// </summary>
    public string? Cms { get; init; }
}
