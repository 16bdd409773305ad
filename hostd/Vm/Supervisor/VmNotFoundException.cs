using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>No VM of that name is known to this hostd.</summary>
public sealed class VmNotFoundException(string name) : VmException($"no VM named '{name}'")
{
    public override int RpcCode => HostErrorCodes.NotFound;

    public override int ExitCode => ExitCodes.NoInput;

    public string VmName { get; } = name;
}
