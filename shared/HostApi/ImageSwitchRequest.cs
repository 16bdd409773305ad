namespace Jumpstart.Shared.HostApi;

/// <summary>
/// <c>image.switch</c>: point a pseudo image's misses at another replica while clients stay connected
/// (background deployment's VM re-direction). An upstream not yet known is added.
/// </summary>
public sealed record ImageSwitchRequest
{
    public required string Name { get; init; }

    public required string Upstream { get; init; }
}
