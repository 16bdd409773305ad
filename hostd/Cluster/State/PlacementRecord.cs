namespace Jumpstart.Hostd.Cluster.State;

/// <summary>Where one instance of a deployment runs.</summary>
public sealed record PlacementRecord
{
    public required string DeploymentId { get; init; }

    public required string Instance { get; init; }

    public required string Host { get; init; }

    public required string State { get; init; }
}
