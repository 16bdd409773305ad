using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cms;
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
        // HostErrorCodes.InvalidRequest and CmsErrorCodes.PolicyFailed share -32010: both are a request to fix.
        HostErrorCodes.InvalidRequest or CmsErrorCodes.InvalidRequest or JsonRpcErrorCodes.InvalidParams => ExitCodes.Usage,
        HostErrorCodes.BundleInvalid or HostErrorCodes.SpecMismatch or HostErrorCodes.DataError => ExitCodes.DataError,
        HostErrorCodes.NotFound or CmsErrorCodes.UnknownDeployment or CmsErrorCodes.UnknownInstance => ExitCodes.NoInput,
        HostErrorCodes.VmFailed or HostErrorCodes.Unavailable => ExitCodes.Unavailable,
        CmsErrorCodes.Unauthorized => ExitCodes.NoPermission,
        CmsErrorCodes.DeploymentExists => ExitCodes.DataError,
        JsonRpcErrorCodes.MethodNotFound => ExitCodes.Unavailable,
        JsonRpcErrorCodes.InternalError => ExitCodes.Software,
        JsonRpcErrorCodes.RequestCancelled => ExitCodes.TempFail,
        _ => ExitCodes.Failure,
    };
}
