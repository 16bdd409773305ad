namespace Jumpstart.Shared.HostApi;

/// <summary><c>image.fill</c>: fetch every missing block of a pseudo image so it becomes a full replica.</summary>
public sealed record ImageFillRequest
{
    public required string Name { get; init; }

    /// <summary>Upper bound on the fetch rate, bytes per second; 0 = unlimited.</summary>
    public long RateBytesPerSecond { get; init; }
}
