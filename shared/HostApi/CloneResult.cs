namespace Jumpstart.Shared.HostApi;

/// <summary>One clone's outcome with a timestamp per stage.</summary>
public sealed record CloneResult
{
    public required string Name { get; init; }

    public required bool Succeeded { get; init; }

    /// <summary>The instance-id on the clone's metadata disc.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The MAC the clone takes (guestd sets it; QEMU keeps the template's).</summary>
    public string? Mac { get; init; }

    /// <summary>The addresses on the clone's disc (CIDR).</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    public string? Error { get; init; }

    public int Pid { get; init; }

    public string? Tap { get; init; }

    public string? VmGenId { get; init; }

    public IReadOnlyList<StageTime> Stages { get; init; } = [];
}
