using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>A clone plan that cannot be carried out (bad count, prefix, address, gateway, DNS or policy): nothing was started.</summary>
public sealed class ClonePlanException(string message, Exception? inner = null) : VmException(message, inner)
{
    public override int RpcCode => HostErrorCodes.InvalidRequest;

    public override int ExitCode => ExitCodes.Usage;
}
