namespace Jumpstart.Shared.Metadata;

/// <summary>The CMS a clone registers with, and the bearer token that proves which instance it is.</summary>
public sealed record CmsEndpoint
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string Token { get; init; }
}
