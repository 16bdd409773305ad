namespace Jumpstart.Shared.HostApi;

/// <summary>An image as <c>image.list</c> and <c>image.add</c> show it.</summary>
public sealed record ImageInfo
{
    public required string Name { get; init; }

    /// <summary><c>file</c> (a real image or full replica) or <c>pseudo</c> (fetches missing blocks).</summary>
    public required string Kind { get; init; }

    /// <summary>Bytes; 0 when the image could not be opened (see <see cref="Problem"/>).</summary>
    public long Size { get; init; }

    /// <summary>Where VMs on this host read it: <c>nbd+unix:///NAME?socket=...</c>.</summary>
    public string? LocalUri { get; init; }

    /// <summary>Where peers read it over TCP, when hostd listens on TCP.</summary>
    public string? RemoteUri { get; init; }

    public string? File { get; init; }

    public string? CacheDirectory { get; init; }

    public string[] Upstreams { get; init; } = [];

    /// <summary>The upstream pseudo-image misses go to now.</summary>
    public string? ActiveUpstream { get; init; }

    /// <summary>Pseudo images: bytes held locally.</summary>
    public long PresentBytes { get; init; }

    /// <summary>True for a file image, or a pseudo image that holds every block.</summary>
    public bool Complete { get; init; }

    public string? Description { get; init; }

    /// <summary>Why the image is not being served, if it is not.</summary>
    public string? Problem { get; init; }
}
