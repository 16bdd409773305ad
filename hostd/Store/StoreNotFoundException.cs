using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Store;

/// <summary>No stored file or registered server has that name.</summary>
public sealed class StoreNotFoundException : StoreException
{
    public StoreNotFoundException(string message)
        : base(message)
    {
    }

    public StoreNotFoundException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public override int RpcCode => HostErrorCodes.NotFound;
}
