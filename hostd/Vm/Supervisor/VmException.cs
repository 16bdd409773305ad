using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// Base of the VM area's answers (templates, clones, boots, the VM list): each type knows its
/// <see cref="HostErrorCodes"/> code and exit code. Default: QEMU or the VM failed (-32014, exit 69).
/// </summary>
public abstract class VmException : JumpstartException
{
    protected VmException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    public override int RpcCode => HostErrorCodes.VmFailed;

    public override int ExitCode => ExitCodes.Unavailable;
}
