using System.Diagnostics.CodeAnalysis;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cms;

/// <summary>
/// A CMS request was refused. <see cref="Code"/> is the JSON-RPC error code the caller receives
/// (<see cref="CmsErrorCodes"/> or <see cref="JsonRpcErrorCodes.InvalidParams"/>); a refused request
/// has changed nothing.
/// </summary>
public sealed class CmsException(int code, string message) : JumpstartException(message)
{
    /// <summary>The JSON-RPC error code the caller receives.</summary>
    public int Code { get; } = code;

    public override int RpcCode => Code;

    // A CMS refusal is "a remote service refused" (exit 1) whatever its code: CmsErrorCodes overlap
    // HostErrorCodes (PolicyFailed = -32010 = InvalidRequest), so hostd's map would misread them.
    public override int ExitCode => ExitCodes.Failure;

    [DoesNotReturn]
    internal static void ThrowInvalidParams(string message) => throw new CmsException(JsonRpcErrorCodes.InvalidParams, message);

    [DoesNotReturn]
    internal static void ThrowUnauthorized() => throw new CmsException(CmsErrorCodes.Unauthorized, "unknown instance or bad token");

    [DoesNotReturn]
    internal static void ThrowUnknownDeployment(string deploymentId)
        => throw new CmsException(CmsErrorCodes.UnknownDeployment, $"unknown deployment '{deploymentId}'");

    [DoesNotReturn]
    internal static void ThrowPolicyFailed(string message) => throw new CmsException(CmsErrorCodes.PolicyFailed, message);
}
