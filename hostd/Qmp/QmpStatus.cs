namespace Jumpstart.Hostd.Qmp;

/// <summary>The answer to <c>query-status</c> (qapi/run-state.json StatusInfo).</summary>
public sealed record QmpStatus
{
    /// <summary>QEMU's run state, e.g. <c>running</c>, <c>paused</c>, <c>inmigrate</c>, <c>postmigrate</c>.</summary>
    public string Status { get; init; } = string.Empty;

    public bool Running { get; init; }
}
