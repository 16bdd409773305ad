using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Store;

/// <summary>Base of the state store's failures.</summary>
/// <remarks>Unless a type says otherwise the store is unavailable (-32015, exit 69): a server or the catalog failed.</remarks>
public abstract class StoreException : JumpstartException
{
    protected StoreException(string message)
        : base(message)
    {
    }

    protected StoreException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public override int RpcCode => HostErrorCodes.Unavailable;

    public override int ExitCode => ErrorCodeMap.ExitCodeOf(RpcCode);
}
