namespace Jumpstart.Shared.Cms;

/// <summary>Fields every guest-side request carries.</summary>
public abstract record InstanceRequest
{
    public required string DeploymentId { get; init; }

    public required string InstanceId { get; init; }

    /// <summary>The per-instance bearer token from the instance's metadata disc.</summary>
    public required string Token { get; init; }
}

/// <summary><c>cms.register</c>: idempotent per instance; registering again returns the same role.</summary>
public sealed record RegisterRequest : InstanceRequest
{
    public required string Hostname { get; init; }

    /// <summary>The instance's addresses (CIDR or bare), first one is where peers reach it.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Optional rank for lowest-rank master selection; else the rank from the deployment's waiting list.</summary>
    public int? Rank { get; init; }
}

/// <summary><c>cms.report</c>: a phase change (<see cref="InstancePhase"/> configured, ready or failed).</summary>
public sealed record ReportRequest : InstanceRequest
{
    public required string Phase { get; init; }

    public string? Detail { get; init; }
}

/// <summary><c>cms.peers</c>: registered instances of the deployment, optionally of one role.</summary>
public sealed record PeersRequest : InstanceRequest
{
    public string? Role { get; init; }
}

/// <summary>
/// <c>cms.wait</c>: long-poll barrier. Satisfied when at least <see cref="MinCount"/> instances
/// (default: all expected, or 1 when <see cref="Role"/> is set) match <see cref="Role"/> and have
/// reached <see cref="Phase"/> (default registered) or later. With <see cref="ForAssignment"/>,
/// satisfied when the caller's own assignment is complete, which the answer then carries.
/// </summary>
public sealed record WaitRequest : InstanceRequest
{
    /// <summary>
    /// Wait for the caller's assignment to become complete (after <c>cms.register</c> answered
    /// <see cref="RoleAssignment.Pending"/>) instead of a barrier; <see cref="Role"/>,
    /// <see cref="Phase"/> and <see cref="MinCount"/> are then ignored.
    /// </summary>
    public bool ForAssignment { get; init; }

    public string? Role { get; init; }

    public string? Phase { get; init; }

    public int? MinCount { get; init; }

    /// <summary>How long the server holds the call before answering unsatisfied (bounded by the server).</summary>
    public int TimeoutMs { get; init; } = 30_000;
}

/// <summary><c>cms.heartbeat</c>: liveness.</summary>
public sealed record HeartbeatRequest : InstanceRequest;
