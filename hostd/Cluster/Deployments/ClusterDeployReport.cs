using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>
/// The answer of <c>cluster.deploy</c> and <c>cluster.deployment.show</c> (what <c>jumpstart deploy --cluster --json</c>
/// prints): where each instance runs, the per-host and overall breakdown (the paper's Fig. 2 plus the distribution), and
/// what is missing or failed.
/// </summary>
public sealed record ClusterDeployReport
{
    public required string DeploymentId { get; init; }

    /// <summary>One of <see cref="ClusterDeploymentStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>The bundle the clones resumed from; <c>(cold boot)</c> for a cold boot.</summary>
    public required string Bundle { get; init; }

    /// <summary><c>stream</c>, <c>mapped</c> or <c>cold-boot</c>.</summary>
    public required string MemoryFormat { get; init; }

    public required string Placement { get; init; }

    /// <summary>When the manager took the request.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>Template boot + suspend, in seconds; null when a bundle was reused (or a cold boot).</summary>
    public double? TemplateSeconds { get; init; }

    /// <summary>The bundle's distribution to the hosts that run clones; null for a cold boot or when no host lacked it.</summary>
    public DistributeResult? Distribution { get; init; }

    /// <summary>How the base image reaches each host's clones; null when the request named no scheme.</summary>
    public DeploymentImagesResult? Images { get; init; }

    /// <summary>Per host: its instances and its breakdown.</summary>
    public required IReadOnlyList<ClusterHostShare> Hosts { get; init; }

    /// <summary>Every instance, by id.</summary>
    public required IReadOnlyList<ClusterInstanceInfo> Instances { get; init; }

    /// <summary>Every clone that ran, with its host and stage times.</summary>
    public required IReadOnlyList<ClusterCloneTimeline> Timelines { get; init; }

    /// <summary>The breakdown over all clones; null when none ran.</summary>
    public DeployBreakdown? Breakdown { get; init; }

    /// <summary>The CMS's view at the end.</summary>
    public DeploymentStatus? Cms { get; init; }

    /// <summary>Request -> every placed clone running, in seconds.</summary>
    public double? AllRunningSeconds { get; init; }

    /// <summary>Request -> every instance ready with its role, in seconds; null unless complete.</summary>
    public double? AllRolesSeconds { get; init; }

    /// <summary>Instances no host could run.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>Instances whose configuration failed.</summary>
    public IReadOnlyList<string> Failed { get; init; } = [];

    /// <summary>Why the deployment is not complete (or was refused), in words.</summary>
    public string? Message { get; init; }

    public bool Complete => State == ClusterDeploymentStates.Complete;
}

/// <summary>One host's part of a cluster deployment.</summary>
public sealed record ClusterHostShare
{
    public required string Host { get; init; }

    public required IReadOnlyList<string> Instances { get; init; }

    /// <summary>Bundle on this host: seconds from the request until the distribution finished here (0 when it held it).</summary>
    public double? DistributionSeconds { get; init; }

    /// <summary>This host's clone call: request -> all its clones running.</summary>
    public double? ResumeSeconds { get; init; }

    /// <summary>The breakdown of this host's clones; null when none ran.</summary>
    public DeployBreakdown? Breakdown { get; init; }

    /// <summary>Why this host's share failed (it died, refused, or its clones failed to start).</summary>
    public string? Error { get; init; }
}

/// <summary>A clone's timeline and the host it ran on.</summary>
public sealed record ClusterCloneTimeline
{
    public required string Host { get; init; }

    public required CloneTimeline Timeline { get; init; }
}

/// <summary><c>cluster.deployment.show</c> and <c>list</c>: a deployment's record, where its instances are, and its last report.</summary>
public sealed record ClusterDeploymentView
{
    public required string DeploymentId { get; init; }

    /// <summary>One of <see cref="ClusterDeploymentStates"/>.</summary>
    public required string State { get; init; }

    public required string Bundle { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public required IReadOnlyList<ClusterPlacementInfo> Placements { get; init; }

    /// <summary>The last report (show only; null while it runs or when it never ended).</summary>
    public ClusterDeployReport? Report { get; init; }
}

public sealed record ClusterPlacementInfo
{
    public required string Instance { get; init; }

    public required string Host { get; init; }

    /// <summary>One of <see cref="PlacementStates"/>.</summary>
    public required string State { get; init; }
}
