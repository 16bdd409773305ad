using Jumpstart.Shared.Errors;

namespace Jumpstart.Hostd.Cluster;

/// <summary>
/// The base of the cluster's answers (<see cref="Shared.Cluster.ClusterErrorCodes"/>): each subclass knows its JSON-RPC
/// code and exit code. A refused request has changed nothing.
/// </summary>
public abstract class ClusterException : JumpstartException
{
    protected ClusterException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
