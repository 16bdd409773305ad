namespace Jumpstart.Hostd.Images;

/// <summary>
/// The image service's settings: configuration section <c>Images</c> of /etc/jumpstart/hostd.json.
/// VMs on this host read their base images from <see cref="SocketPath"/>; peers read from <see cref="Listen"/>.
/// </summary>
public sealed class ImageOptions
{
    public const string Section = "Images";

    public const string SocketFileName = "nbd.sock";

    public const string DirectoryName = "images";

    /// <summary>Default extent a pseudo image fetches on a miss (the paper's block-caching unit).</summary>
    public const int DefaultExtentSize = 1024 * 1024;

    /// <summary>Whether hostd serves images at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Unix socket for local VMs; defaults to {RuntimeDirectory}/nbd.sock.</summary>
    public string? SocketPath { get; set; }

    /// <summary>Octal mode of the unix socket (QEMU runs as hostd's user or group).</summary>
    public string SocketMode { get; set; } = "0660";

    /// <summary>TCP address peers fetch from (<c>0.0.0.0:10809</c>); null or empty = no TCP listener.</summary>
    public string? Listen { get; set; }

    /// <summary>Address peers should use in URIs for this host when <see cref="Listen"/> binds a wildcard.</summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>Catalog, replicas and pseudo-image caches; defaults to {StateDirectory}/images.</summary>
    public string? Directory { get; set; }

    /// <summary>Extent size for new pseudo images, bytes (a power of two, 64 KiB..64 MiB).</summary>
    public int ExtentSize { get; set; } = DefaultExtentSize;

    /// <summary>Extents a pseudo image reads ahead of a sequential reader.</summary>
    public int ReadAheadExtents { get; set; } = 4;
}
