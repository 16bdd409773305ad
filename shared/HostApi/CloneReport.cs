namespace Jumpstart.Shared.HostApi;

/// <summary>The answer to <c>clone.create</c>.</summary>
public sealed record CloneReport
{
    public required string Bundle { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Seconds spent verifying the bundle (once per request, before any clone starts).</summary>
    public double VerifySeconds { get; init; }

    public double TotalSeconds { get; init; }

    /// <summary>The CMS deployment hostd created for the clones (a plan with a policy), else null.</summary>
    public string? DeploymentId { get; init; }

    public required IReadOnlyList<CloneResult> Clones { get; init; }
}
