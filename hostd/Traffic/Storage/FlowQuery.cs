namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>Which stored flows to read, and in which order.</summary>
public sealed record FlowQuery
{
    /// <summary>The most rows returned.</summary>
    public int Limit { get; init; } = 100;

    public FlowOrder OrderBy { get; init; } = FlowOrder.Id;

    public string? Vm { get; init; }

    public string? Deployment { get; init; }

    /// <summary>Only flows that started at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only flows the classifier has not labelled yet.</summary>
    public bool UnlabelledOnly { get; init; }
}
