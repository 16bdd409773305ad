namespace Jumpstart.Shared.Cms;

/// <summary>
/// The answer to <c>cms.register</c> (and to <c>cms.wait</c> with <see cref="WaitRequest.ForAssignment"/>):
/// the complete assignment, everything the guest applies. The CMS owns every decision in it — the
/// role, the master and its address, the variables, the files and commands — so the guest applies
/// it as given and never interprets the role's name.
/// </summary>
public sealed record RoleAssignment
{
    /// <summary>The role's name, for the guest's reports and logs only; the guest never compares it.</summary>
    public required string Role { get; init; }

    /// <summary>The master's address, already resolved by the CMS (null for the master itself or when the policy has none); shown in reports.</summary>
    public string? MasterAddress { get; init; }

    /// <summary>
    /// True while the assignment still depends on something the CMS does not know yet (a worker
    /// whose master has not registered): the guest then calls <c>cms.wait</c> with
    /// <see cref="WaitRequest.ForAssignment"/> and applies the assignment that answer carries.
    /// </summary>
    public bool Pending { get; init; }

    /// <summary>
    /// The environment the role's commands get, exactly as given: the policy's values (MASTER_ADDRESS,
    /// WORKER_INDEX, ...) and JUMPSTART_ROLE / JUMPSTART_MASTER_ADDRESS.
    /// </summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    public RoleConfiguration Configuration { get; init; } = new();
}

/// <summary>What applying a role means: files to write and commands to run, in order.</summary>
public sealed record RoleConfiguration
{
    public IReadOnlyList<RoleFile> Files { get; init; } = [];

    /// <summary>Each command is an argument vector (never a shell string); run in order, stop at the first failure.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Commands { get; init; } = [];
}

/// <summary>A file a role writes. <see cref="Mode"/> is octal text such as <c>0644</c>.</summary>
public sealed record RoleFile
{
    public required string Path { get; init; }

    public string Mode { get; init; } = "0644";

    public required string Content { get; init; }
}

/// <summary>A registered (or expected) instance as other instances see it.</summary>
public sealed record PeerInfo
{
    public required string InstanceId { get; init; }

    public string? Hostname { get; init; }

    public IReadOnlyList<string> Addresses { get; init; } = [];

    public string? Role { get; init; }

    public required string Phase { get; init; }

    public string? Detail { get; init; }

    /// <summary>When the instance last sent <c>cms.heartbeat</c> (UTC), if ever.</summary>
    public DateTimeOffset? LastHeartbeat { get; init; }

    /// <summary>When the instance registered, on the CMS's clock (null while waiting); deploy times the guest's configuration with it.</summary>
    public DateTimeOffset? RegisteredAt { get; init; }

    /// <summary>When the instance's record last changed (registration, report or heartbeat), on the CMS's clock.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>The answer to <c>cms.wait</c>.</summary>
public sealed record WaitResult
{
    public required bool Satisfied { get; init; }

    public IReadOnlyList<PeerInfo> Matching { get; init; } = [];

    /// <summary>With <see cref="WaitRequest.ForAssignment"/>: the caller's assignment (complete when <see cref="Satisfied"/>).</summary>
    public RoleAssignment? Assignment { get; init; }
}
