namespace Jumpstart.Shared.Cms;

/// <summary><c>cms.createDeployment</c>: a deployment, its waiting list and its role policy.</summary>
public sealed record DeploymentSpec
{
    public required string DeploymentId { get; init; }

    public required PolicySpec Policy { get; init; }

    /// <summary>The waiting list: every instance expected to register, with its token.</summary>
    public required IReadOnlyList<ExpectedInstance> Instances { get; init; }

    /// <summary>Per-role configuration templates; <c>${NAME}</c> is replaced from the assignment's variables.</summary>
    public IReadOnlyDictionary<string, RoleConfiguration> Roles { get; init; } = new Dictionary<string, RoleConfiguration>();
}

/// <summary>One entry of the waiting list.</summary>
public sealed record ExpectedInstance
{
    public required string InstanceId { get; init; }

    public required string Token { get; init; }

    public int? Rank { get; init; }
}

/// <summary>
/// How roles are decided. <see cref="Kind"/>: <c>master-workers</c>, <c>all-same</c> or
/// <c>external</c> (an executable given JSON on stdin that prints the role as JSON).
/// </summary>
public sealed record PolicySpec
{
    public required string Kind { get; init; }

    /// <summary>master-workers: <c>first-arrival</c> (default) or <c>lowest-rank</c>.</summary>
    public string? MasterSelection { get; init; }

    /// <summary>all-same: the role every instance gets (default <c>member</c>).</summary>
    public string? Role { get; init; }

    /// <summary>external: absolute path of the policy executable.</summary>
    public string? Executable { get; init; }

    /// <summary>external: how long the executable may run.</summary>
    public int TimeoutMs { get; init; } = 10_000;
}

/// <summary>Admin requests carry the CMS admin token.</summary>
public sealed record AdminRequest
{
    public required string AdminToken { get; init; }

    public string? DeploymentId { get; init; }

    public DeploymentSpec? Deployment { get; init; }
}

/// <summary>A deployment's state as the operator sees it.</summary>
public sealed record DeploymentStatus
{
    public required string DeploymentId { get; init; }

    public required string PolicyKind { get; init; }

    public required int Expected { get; init; }

    public required int Registered { get; init; }

    /// <summary>Instances whose latest report is <c>ready</c>.</summary>
    public int Ready { get; init; }

    /// <summary>Instances whose latest report is <c>failed</c>.</summary>
    public int Failed { get; init; }

    public IReadOnlyList<PeerInfo> Instances { get; init; } = [];
}
