using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster;

/// <summary>
/// Refused for security: a token that is unknown, expired or used up; a CA that does not match the pin; a certificate
/// from another CA or a revoked one; a removed host. Exit 77.
/// </summary>
public sealed class ClusterRefusedException(string message, Exception? innerException = null) : ClusterException(message, innerException)
{
    public override int RpcCode => ClusterErrorCodes.Refused;

    public override int ExitCode => ExitCodes.NoPermission;
}
