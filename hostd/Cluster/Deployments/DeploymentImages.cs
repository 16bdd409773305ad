using System.Text.Json;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>
/// Makes the base image a deployment's disks read available on every host that runs its clones, by a scheme (issue 15
/// section 1, the paper's §4): <c>shared</c> (one real image server), <c>copies:K</c> (K full copies made before the
/// clones start), <c>pseudo:K</c> (K pseudo images filled on demand), <c>auto</c> (the planner picks). It runs on the
/// manager after placement and before any clone starts.
/// </summary>
public interface IDeploymentImages
{
    /// <exception cref="ClusterRequestException">A malformed scheme, or a base image no host serves.</exception>
    Task<DeploymentImagesResult> PrepareAsync(DeploymentImagesRequest request, IProgress<ProgressNote>? progress, CancellationToken cancellationToken);
}

/// <summary>Calls a control-socket method on a host of the cluster (this host included) and returns its raw result.</summary>
public delegate Task<JsonElement> HostCall(string host, string method, object? parameters, IProgress<ProgressNote>? progress, CancellationToken cancellationToken);

public sealed record DeploymentImagesRequest
{
    /// <summary><c>shared</c>, <c>copies:K</c>, <c>pseudo:K</c> or <c>auto</c>.</summary>
    public required string Scheme { get; init; }

    /// <summary>The image catalog name the bundle's disks back onto (<c>image:NAME</c> in its template).</summary>
    public required string Image { get; init; }

    /// <summary>The host that holds the real image (where the template was made).</summary>
    public required string Origin { get; init; }

    /// <summary>How many clones each host will run.</summary>
    public required IReadOnlyDictionary<string, int> ClonesPerHost { get; init; }

    /// <summary>How to reach each host's control socket.</summary>
    public required HostCall Call { get; init; }
}

public sealed record DeploymentImagesResult
{
    /// <summary>The scheme used (auto resolved).</summary>
    public required string Scheme { get; init; }

    /// <summary>The catalog image the clones read.</summary>
    public string? Image { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Why this scheme (the planner's prediction for auto).</summary>
    public string? Reason { get; init; }

    public required IReadOnlyList<DeploymentHostImage> Hosts { get; init; }
}

public sealed record DeploymentHostImage
{
    public required string Host { get; init; }

    /// <summary><c>real</c>, <c>copy</c>, <c>pseudo</c> or <c>upstream</c> (reads another host's image).</summary>
    public required string Kind { get; init; }

    /// <summary>Where its blocks come from when not local.</summary>
    public string? Upstream { get; init; }

    public double? Seconds { get; init; }

    /// <summary>True when this deployment made the image on the host (removing the deployment removes it when no other uses it).</summary>
    public bool Made { get; init; }
}
