using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>The hosts cannot hold a deployment (memory, or no host up); refused before anything started. Exit 69.</summary>
public sealed class ClusterCapacityException(string message) : ClusterException(message)
{
    public override int RpcCode => ClusterErrorCodes.Capacity;

    public override int ExitCode => ExitCodes.Unavailable;
}
