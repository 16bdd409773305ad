using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Store;

/// <summary>Data failed an integrity check where no alternative remains (never returned as if it were good).</summary>
public sealed class StoreIntegrityException : StoreException
{
    public StoreIntegrityException(string message)
        : base(message)
    {
    }

    public StoreIntegrityException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public override int RpcCode => HostErrorCodes.DataError;
}
