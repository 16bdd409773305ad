using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>A VM request cannot be done as asked (bad names, counts, formats, a name in use): fix the request.</summary>
public sealed class VmRequestException(string message, Exception? inner = null) : VmException(message, inner)
{
    public override int RpcCode => HostErrorCodes.InvalidRequest;

    public override int ExitCode => ExitCodes.Usage;
}
