namespace Jumpstart.Shared.HostApi;

/// <summary>
/// Replaces the classifier model that labels live flows: <see cref="Path"/> (absolute, or relative to hostd's
/// state directory), or the active model's file read again when it is null; <see cref="Unload"/> stops labelling.
/// </summary>
public sealed record ModelLoadRequest
{
    public string? Path { get; init; }

    public bool Unload { get; init; }
}
