using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Cluster;

/// <summary>A malformed request: a bad name, endpoint, hash, TTL or certificate signing request. Exit 64.</summary>
public sealed class ClusterRequestException(string message, Exception? innerException = null) : ClusterException(message, innerException)
{
    public override int RpcCode => HostErrorCodes.InvalidRequest;

    public override int ExitCode => ExitCodes.Usage;
}
