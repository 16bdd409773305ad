namespace Jumpstart.Shared.Cluster;

/// <summary>How a cluster deployment spreads its clones over the hosts (issue 15 section 1).</summary>
public static class PlacementModes
{
    /// <summary>Round-robin over the hosts with room, most free memory first: the fewest clones per host.</summary>
    public const string Spread = "spread";

    /// <summary>Fill one host before the next (most free memory first): the fewest hosts.</summary>
    public const string Pack = "pack";

    public static readonly IReadOnlyList<string> All = [Spread, Pack];

    public static bool IsValid(string? mode) => mode is not null && All.Contains(mode, StringComparer.Ordinal);
}

/// <summary>The states of a cluster deployment's record on the manager.</summary>
public static class ClusterDeploymentStates
{
    /// <summary>Placing, distributing, resuming or waiting for roles.</summary>
    public const string Deploying = "deploying";

    /// <summary>Every instance reported ready.</summary>
    public const string Complete = "complete";

    /// <summary>Ended with instances missing (no host could run them) or failed (their configuration failed).</summary>
    public const string Incomplete = "incomplete";

    /// <summary>Nothing runs: refused or failed before any clone started.</summary>
    public const string Failed = "failed";

    /// <summary>The manager stopped while it was deploying; the record keeps what was placed.</summary>
    public const string Interrupted = "interrupted";

    /// <summary>Being removed from its hosts.</summary>
    public const string Removing = "removing";
}

/// <summary>The states of one instance's placement.</summary>
public static class PlacementStates
{
    /// <summary>Placed; its host has not resumed it yet.</summary>
    public const string Placed = "placed";

    /// <summary>Its host resumed it (or booted it).</summary>
    public const string Running = "running";

    /// <summary>Its host failed or died; it was placed again elsewhere (its new placement is another row).</summary>
    public const string Moved = "moved";

    /// <summary>No host could run it.</summary>
    public const string Missing = "missing";

    /// <summary>It ran but its configuration failed (the CMS has its report).</summary>
    public const string Failed = "failed";

    /// <summary>It reported ready with its role.</summary>
    public const string Ready = "ready";
}

/// <summary>
/// <c>cluster.deploy</c> (CLI -> local hostd -> the manager): N clones of one application over the cluster's hosts.
/// The manager places them, makes or reuses the bundle, distributes it, has each host resume its share, and follows the
/// CMS it runs until every instance has its role.
/// </summary>
public sealed record ClusterDeployRequest
{
    /// <summary>The most clones one cluster deployment may ask for.</summary>
    public const int MaxCount = 512;

    /// <summary>The deployment id: the CMS deployment, the prefix of instance ids and hostnames.</summary>
    public required string DeploymentId { get; init; }

    public int Count { get; init; } = 4;

    /// <summary>The hosts to use, by cluster name; empty: every host that is up.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>One of <see cref="PlacementModes"/>.</summary>
    public string Placement { get; init; } = PlacementModes.Spread;

    /// <summary>An existing bundle (on the manager's host or in its cache); null: boot <see cref="SpecFile"/> into one.</summary>
    public string? Bundle { get; init; }

    /// <summary>The template's VM spec file on the manager's host (a path every host can read for a cold boot).</summary>
    public string? SpecFile { get; init; }

    /// <summary><c>stream</c> or <c>mapped</c>, for a template made now.</summary>
    public string MemoryFormat { get; init; } = "stream";

    /// <summary>Boot every VM from the spec instead of resuming clones: the baseline clones are measured against.</summary>
    public bool Cold { get; init; }

    /// <summary>
    /// The image distribution scheme for the base image the bundle's disks read: <c>shared</c>, <c>copies:K</c>,
    /// <c>pseudo:K</c> or <c>auto</c>; null: the disks read whatever each host's image service has.
    /// </summary>
    public string? Images { get; init; }

    /// <summary>The bundle's transport (<see cref="BundleTransports"/>); null: the manager picks.</summary>
    public string? Transport { get; init; }

    /// <summary><c>master-workers</c> or <c>all-same</c>.</summary>
    public string Policy { get; init; } = "master-workers";

    /// <summary>The first clone's address (CIDR); the others take the next ones.</summary>
    public string FirstAddress { get; init; } = "10.99.0.10/24";

    public string? Gateway { get; init; }

    /// <summary>Bound on request -> all roles.</summary>
    public int TimeoutSeconds { get; init; } = 300;

    /// <summary>Warm the template up before suspending it.</summary>
    public bool WarmUp { get; init; } = true;

    /// <summary>Serial-console text that says the template's guest is up.</summary>
    public string? ReadyMarker { get; init; }

    /// <summary>The user's <c>self</c> script, run in every clone after its identity is applied (at most 64 KiB).</summary>
    public string? SelfScript { get; init; }
}

/// <summary><c>cluster.deployment.remove</c>, <c>cluster.deployment.show</c>: one deployment by id.</summary>
public sealed record ClusterDeploymentIdRequest
{
    public required string DeploymentId { get; init; }
}

/// <summary>One instance of a cluster deployment: where it runs and what the CMS says of it.</summary>
public sealed record ClusterInstanceInfo
{
    public required string InstanceId { get; init; }

    /// <summary>The host it runs on (its last placement).</summary>
    public required string Host { get; init; }

    /// <summary>One of <see cref="PlacementStates"/>.</summary>
    public required string State { get; init; }

    /// <summary>Its address (CIDR), as planned.</summary>
    public string? Address { get; init; }

    public string? Mac { get; init; }

    /// <summary>The CMS's role and phase.</summary>
    public string? Role { get; init; }

    public string? Phase { get; init; }

    /// <summary>Why it failed or is missing (a failed configuration's report carries the script's output).</summary>
    public string? Detail { get; init; }

    /// <summary>The hosts it was placed on before (each failed or died).</summary>
    public IReadOnlyList<string> MovedFrom { get; init; } = [];
}

/// <summary>What <c>jumpstart cluster deployment remove</c> did on each host.</summary>
public sealed record ClusterRemoveDeploymentResult
{
    public required string DeploymentId { get; init; }

    /// <summary>Per host: the VMs stopped there, or why it could not be reached.</summary>
    public required IReadOnlyList<ClusterRemoveHostResult> Hosts { get; init; }

    /// <summary>True when every host stopped its VMs (an unreachable host keeps the record, so a rerun finishes it).</summary>
    public bool Succeeded => Hosts.All(h => h.Error is null);
}

public sealed record ClusterRemoveHostResult
{
    public required string Host { get; init; }

    public IReadOnlyList<string> Stopped { get; init; } = [];

    /// <summary>The base image copy or pseudo image the deployment made on this host and no other deployment uses, now removed.</summary>
    public string? ImageRemoved { get; init; }

    public string? Error { get; init; }
}
