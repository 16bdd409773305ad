using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>This host is in no cluster, or is a member where only the manager can answer. Exit 69.</summary>
public sealed class ClusterNotManagerException(string message) : ClusterException(message)
{
    public override int RpcCode => ClusterErrorCodes.NotManager;

    public override int ExitCode => ExitCodes.Unavailable;
}
