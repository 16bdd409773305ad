using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping;

/// <summary>Shipping a bundle to a host failed; the host's cache holds no partial bundle under a real id.</summary>
public sealed class ShippingException(ShippingProblem problem, string message, Exception? inner = null)
    : JumpstartException(message, inner)
{
    public ShippingProblem Problem { get; } = problem;

    public override int RpcCode => Problem switch
    {
        ShippingProblem.Protocol or ShippingProblem.Corrupted => HostErrorCodes.DataError,
        ShippingProblem.Unsupported => HostErrorCodes.InvalidRequest,
        _ => HostErrorCodes.Unavailable,
    };

    public override int ExitCode => ErrorCodeMap.ExitCodeOf(RpcCode);

    /// <summary>A lost peer or a failed hop may be retried from another source; the verified chunks are kept.</summary>
    public override bool IsTransient => Problem is ShippingProblem.PeerLost or ShippingProblem.HopFailed;

    public override object? RpcData => new { problem = Problem.ToString() };
}
