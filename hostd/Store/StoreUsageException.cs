using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Store;

/// <summary>A store operation asked for something impossible (too few servers, unknown name, name taken).</summary>
public sealed class StoreUsageException : StoreException
{
    public StoreUsageException(string message)
        : base(message)
    {
    }

    public StoreUsageException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public override int RpcCode => HostErrorCodes.InvalidRequest;
}
