using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cluster;

/// <summary>No host of that name in the cluster. Exit 66.</summary>
public sealed class ClusterNotFoundException(string message) : ClusterException(message)
{
    public override int RpcCode => HostErrorCodes.NotFound;

    public override int ExitCode => ExitCodes.NoInput;
}
