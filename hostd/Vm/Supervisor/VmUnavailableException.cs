using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>The VM capability (or a service it needs) is not running on this hostd, or the thing asked for is busy.</summary>
public sealed class VmUnavailableException(string message) : VmException(message)
{
    public override int RpcCode => HostErrorCodes.Unavailable;

    public override bool IsTransient => true;
}
