using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Shared.Errors;

/// <summary>
/// The one place a JSON-RPC error code a service answered with becomes the exit code of a command. Servers raise a
/// <see cref="JumpstartException"/> whose <see cref="JumpstartException.ExitCode"/> is the same class, so a code means
/// the same on both sides.
/// </summary>
public static class ErrorCodeMap
{
    /// <summary>The sysexits-style exit code for an error answer with <paramref name="rpcCode"/>.</summary>
    public static int ExitCodeOf(int rpcCode) => rpcCode switch
    {
        // hostd's codes (HostErrorCodes). The CMS's codes (CmsErrorCodes; its PolicyFailed shares -32010 with
        // HostErrorCodes.InvalidRequest, but the CLI never asks both on one connection) are "a remote service
        // refused": exit 1, like any other refusal.
        HostErrorCodes.InvalidRequest => ExitCodes.Usage,
        HostErrorCodes.BundleInvalid or HostErrorCodes.SpecMismatch or HostErrorCodes.DataError => ExitCodes.DataError,
        HostErrorCodes.NotFound => ExitCodes.NoInput,
        HostErrorCodes.VmFailed or HostErrorCodes.Unavailable => ExitCodes.Unavailable,
        ClusterErrorCodes.NotManager or ClusterErrorCodes.Unreachable or ClusterErrorCodes.Capacity => ExitCodes.Unavailable,
        ClusterErrorCodes.Refused => ExitCodes.NoPermission,
        ClusterErrorCodes.AlreadyMember => ExitCodes.Config,
        ClusterErrorCodes.RateLimited => ExitCodes.TempFail,
        JsonRpcErrorCodes.InternalError => ExitCodes.Software,
        JsonRpcErrorCodes.RequestCancelled => ExitCodes.TempFail,
        _ => ExitCodes.Failure,
    };
}
