namespace Jumpstart.Hostd.Images;

/// <summary>Retry and fail-over policy of a <see cref="ReplicaSet"/>.</summary>
public sealed record ReplicaSetOptions
{
    /// <summary>Tries of one replica (the first included) before failing over to the next.</summary>
    public int AttemptsPerReplica { get; init; } = 3;

    /// <summary>Wait before the second try; doubled for each further one.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between tries.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Connect to every replica when the set is made and refuse replicas whose size differs from the first's.</summary>
    public bool RequireSameSize { get; init; }
}
