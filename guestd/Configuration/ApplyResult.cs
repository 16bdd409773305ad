namespace Jumpstart.Guestd.Configuration;

/// <summary>What one run of the engine did.</summary>
public sealed record ApplyResult
{
    public required string InstanceId { get; init; }

    public required string Hostname { get; init; }

    /// <summary>True when the marker showed this instance-id was already applied; nothing was changed.</summary>
    public bool AlreadyApplied { get; init; }

    /// <summary>The role the CMS assigned (null without a CMS or when already applied).</summary>
    public string? Role { get; init; }

    public string? MasterAddress { get; init; }

    /// <summary>The kernel hostname read back after setting it (proves the UTS namespace took it).</summary>
    public string? KernelHostname { get; init; }

    /// <summary>What the clone-uniqueness steps did (null when already applied).</summary>
    public IdentityOutcome? Identity { get; init; }

    /// <summary>True for a template's warm-up disc: the code paths ran, nothing about the identity changed.</summary>
    public bool WarmUp { get; init; }

    /// <summary>On a warm-up disc that asked for it: the free memory guestd zeroed for the template's stream; else null.</summary>
    public long? ZeroedFreeBytes { get; init; }

    public IReadOnlyList<StepTiming> Steps { get; init; } = [];

    public TimeSpan Total => Steps.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);
}
