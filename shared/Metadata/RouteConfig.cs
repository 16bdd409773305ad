namespace Jumpstart.Shared.Metadata;

/// <summary>A static route: <c>Destination</c> in CIDR form via <c>Gateway</c> (null: on-link).</summary>
public sealed record RouteConfig
{
    public required string Destination { get; init; }

    public string? Gateway { get; init; }

    public int? Metric { get; init; }
}
