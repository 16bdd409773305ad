namespace Jumpstart.Hostd.Images.Planning;

/// <summary>The model's prediction for one scheme with k images. Times in seconds.</summary>
public sealed record SchemePrediction
{
    public required DistributionScheme Scheme { get; init; }

    /// <summary>k: images serving the VMs (copies or pseudo images; 1 for <see cref="DistributionScheme.Shared"/>).</summary>
    public required int Images { get; init; }

    /// <summary>Time to place the copies. For <see cref="DistributionScheme.Background"/> it overlaps the run and is not added.</summary>
    public required double DistributionSeconds { get; init; }

    /// <summary>Time from the VMs' start until every VM has read its load (includes <see cref="PlanInput.ComputeSeconds"/>).</summary>
    public required double RunningSeconds { get; init; }

    /// <summary>The part of the running time spent waiting for the image: running time minus the compute time.</summary>
    public required double AccessDelaySeconds { get; init; }

    /// <summary>Mean time one read request takes (latency + queueing + transfer), in the final configuration.</summary>
    public required double MeanRequestSeconds { get; init; }

    /// <summary>Cloud time: distribution (unless overlapped) plus running.</summary>
    public required double CloudSeconds { get; init; }

    /// <summary>Bytes the real image server sends (copies, misses, or the VMs' reads).</summary>
    public required double ServerBytes { get; init; }
}
