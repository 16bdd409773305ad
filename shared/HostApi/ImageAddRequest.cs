namespace Jumpstart.Shared.HostApi;

/// <summary>
/// <c>image.add</c>: serve an image under a name. Exactly one of <see cref="File"/> (a real image: a raw
/// file this host holds) or <see cref="Upstreams"/> (a pseudo image that fetches missing blocks from
/// those NBD URIs, in order of preference) is set.
/// </summary>
public sealed record ImageAddRequest
{
    public required string Name { get; init; }

    /// <summary>Absolute path of a raw image file on this host.</summary>
    public string? File { get; init; }

    /// <summary>Replicas to fetch from, e.g. <c>nbd://10.0.0.1/base</c>; the first is used until it fails.</summary>
    public string[]? Upstreams { get; init; }

    /// <summary>Pseudo images: extent fetched on a miss, bytes (power of two, default 1 MiB).</summary>
    public int? ExtentSize { get; init; }

    /// <summary>Pseudo images: an access log to replay right away (e.g. the template's boot working set).</summary>
    public string? ReplayLog { get; init; }

    public string? Description { get; init; }
}
