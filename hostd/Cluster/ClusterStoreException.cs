using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cluster;

/// <summary>The manager's state cannot be read or written (a damaged or newer database, a full disk). Exit 69.</summary>
public sealed class ClusterStoreException(string message, Exception? innerException = null) : ClusterException(message, innerException)
{
    public override int RpcCode => HostErrorCodes.Unavailable;

    public override int ExitCode => ExitCodes.Unavailable;
}
