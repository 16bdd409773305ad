namespace Jumpstart.Shared.HostApi;

/// <summary>A request that names one bundle or VM.</summary>
public sealed record NameRequest
{
    public required string Name { get; init; }
}
