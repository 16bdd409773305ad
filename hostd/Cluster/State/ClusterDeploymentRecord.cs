namespace Jumpstart.Hostd.Cluster.State;

/// <summary>A deployment over several hosts (the multi-host deployment issue fills it in): its bundle, spec and state.</summary>
public sealed record ClusterDeploymentRecord
{
    public required string Id { get; init; }

    /// <summary>The state bundle its clones resume from.</summary>
    public required string Bundle { get; init; }

    /// <summary>The deployment's request as JSON, kept as given.</summary>
    public required string SpecJson { get; init; }

    public required string State { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}
