namespace Jumpstart.Shared.Cluster;

/// <summary>
/// JSON-RPC error codes of the cluster methods (the implementation-defined server range, beside
/// <see cref="HostApi.HostErrorCodes"/>); <see cref="Errors.ErrorCodeMap"/> gives each its exit code. Bad params use
/// <see cref="HostApi.HostErrorCodes.InvalidRequest"/> (64) and an unknown host <see cref="HostApi.HostErrorCodes.NotFound"/> (66).
/// </summary>
public static class ClusterErrorCodes
{
    /// <summary>This host is in no cluster, or is not its manager, so it cannot do this: exit 69.</summary>
    public const int NotManager = -32040;

    /// <summary>
    /// Refused for security: a token that is unknown, expired or used up; a CA whose hash does not match the pin; a
    /// certificate from another CA; a removed host: exit 77.
    /// </summary>
    public const int Refused = -32041;

    /// <summary>This host already belongs to a cluster (init or join again): exit 78.</summary>
    public const int AlreadyMember = -32042;

    /// <summary>Too many failed join attempts from this address; try again later: exit 75.</summary>
    public const int RateLimited = -32043;

    /// <summary>The manager (or another host) cannot be reached or did not answer: exit 69.</summary>
    public const int Unreachable = -32044;

    /// <summary>The hosts cannot hold what a deployment asks for; nothing was started: exit 69.</summary>
    public const int Capacity = -32045;
}
