namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>How much a <see cref="FlowStore"/> keeps.</summary>
public sealed record FlowStoreOptions
{
    /// <summary>Most flows kept; the oldest beyond it are deleted.</summary>
    public long MaxFlows { get; init; } = 1_000_000;

    /// <summary>Flows that ended longer ago than this are deleted; null keeps them.</summary>
    public TimeSpan? MaxAge { get; init; } = TimeSpan.FromDays(7);
}
