namespace Jumpstart.Shared.HostApi;

/// <summary>One clone's outcome with a timestamp per stage.</summary>
public sealed record CloneResult
{
    public required string Name { get; init; }

    public required bool Succeeded { get; init; }

    public string? Error { get; init; }

    public int Pid { get; init; }

    public string? Tap { get; init; }

    public string? VmGenId { get; init; }

    public IReadOnlyList<StageTime> Stages { get; init; } = [];
}
