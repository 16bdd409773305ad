namespace Jumpstart.Shared.HostApi;

/// <summary>
/// <c>image.replicate</c>: pre-deployment to this host — copy an image (whole, or listed regions) from
/// an NBD URI into this host's image directory and serve the copy as a file image under <see cref="Name"/>.
/// </summary>
public sealed record ImageReplicateRequest
{
    public required string Name { get; init; }

    public required string From { get; init; }

    /// <summary>Parallel NBD connections.</summary>
    public int Streams { get; init; } = 4;

    /// <summary>Only these regions (<c>offset:length</c> with units, comma-separated); null = the whole image.</summary>
    public string? Regions { get; init; }
}
