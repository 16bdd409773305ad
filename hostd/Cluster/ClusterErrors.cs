using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster;

/// <summary>Turns the manager's error answers back into the cluster's exceptions, so a relayed refusal keeps its code.</summary>
internal static class ClusterErrors
{
    /// <summary>The exception a remote error answer stands for, its message prefixed with who answered.</summary>
    public static ClusterException FromRemote(RemoteInvocationException answer, string who)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var message = $"{who}: {answer.Message}";
        return answer.ErrorCode switch
        {
            ClusterErrorCodes.Refused => new ClusterRefusedException(message, answer),
            ClusterErrorCodes.RateLimited => new ClusterRateLimitedException(message),
            ClusterErrorCodes.NotManager => new ClusterNotManagerException(message),
            ClusterErrorCodes.AlreadyMember => new ClusterMemberException(message),
            HostErrorCodes.InvalidRequest => new ClusterRequestException(message, answer),
            HostErrorCodes.NotFound => new ClusterNotFoundException(message),
            _ => new ClusterUnreachableException(message, answer),
        };
    }
}
