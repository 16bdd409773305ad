using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>The manager or another host could not be reached, or did not answer in time. Exit 69; transient.</summary>
public sealed class ClusterUnreachableException(string message, Exception? innerException = null) : ClusterException(message, innerException)
{
    public override int RpcCode => ClusterErrorCodes.Unreachable;

    public override int ExitCode => ExitCodes.Unavailable;

    public override bool IsTransient => true;
}
