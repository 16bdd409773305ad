using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>A VM spec is invalid, or a clone's spec does not match its bundle's. Nothing was started.</summary>
public sealed class VmSpecException(string message, IReadOnlyList<string>? problems = null)
    : VmException(problems is { Count: > 0 } ? $"{message}: {string.Join("; ", problems)}" : message)
{
    public IReadOnlyList<string> Problems { get; } = problems ?? [];

    public override int RpcCode => HostErrorCodes.SpecMismatch;

    public override int ExitCode => ExitCodes.DataError;

    public override object? RpcData => new { problems = Problems };
}
