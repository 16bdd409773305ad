using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Too many failed join attempts from one address (or from everywhere) in the window. Exit 75; transient.</summary>
public sealed class ClusterRateLimitedException(string message) : ClusterException(message)
{
    public override int RpcCode => ClusterErrorCodes.RateLimited;

    public override int ExitCode => ExitCodes.TempFail;

    public override bool IsTransient => true;
}
