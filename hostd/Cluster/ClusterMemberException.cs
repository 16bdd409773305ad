using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>This host already belongs to a cluster, so it cannot create or join another. Exit 78.</summary>
public sealed class ClusterMemberException(string message) : ClusterException(message)
{
    public override int RpcCode => ClusterErrorCodes.AlreadyMember;

    public override int ExitCode => ExitCodes.Config;
}
