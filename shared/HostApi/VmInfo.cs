namespace Jumpstart.Shared.HostApi;

/// <summary>A VM as <c>vm.list</c> shows it.</summary>
public sealed record VmInfo
{
    public required string Name { get; init; }

    /// <summary><c>template</c> or <c>clone</c>.</summary>
    public required string Role { get; init; }

    public string? Bundle { get; init; }

    public int Pid { get; init; }

    /// <summary><c>alive</c>, <c>dead</c> or <c>stopped</c>.</summary>
    public required string State { get; init; }

    /// <summary>QEMU's run state from <c>query-status</c> (<c>running</c>, <c>paused</c>, ...), when alive.</summary>
    public string? RunState { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public string? EndReason { get; init; }

    public string? Tap { get; init; }

    public string? VmGenId { get; init; }

    public string? SerialLog { get; init; }
}
