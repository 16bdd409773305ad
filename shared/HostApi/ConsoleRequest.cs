namespace Jumpstart.Shared.HostApi;

/// <summary><c>vm.console</c>: the last <see cref="MaxBytes"/> of a VM's serial log.</summary>
public sealed record ConsoleRequest
{
    /// <summary>Upper bound hostd applies to <see cref="MaxBytes"/>.</summary>
    public const int Limit = 1 << 20;

    public required string Name { get; init; }

    public int MaxBytes { get; init; } = 16 * 1024;
}
