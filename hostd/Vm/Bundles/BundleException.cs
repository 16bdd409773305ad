using Jumpstart.Shared.Errors;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>A state bundle is missing, incomplete, corrupted or unsupported; nothing was started from it.</summary>
public sealed class BundleException(string bundle, BundleProblem problem, string detail, Exception? inner = null)
    : JumpstartException($"bundle {bundle}: {detail}", inner)
{
    public string Bundle { get; } = bundle;

    public BundleProblem Problem { get; } = problem;

    public override int RpcCode => Problem switch
    {
        BundleProblem.NotFound => HostErrorCodes.NotFound,
        _ => HostErrorCodes.BundleInvalid,
    };

    public override int ExitCode => ErrorCodeMap.ExitCodeOf(RpcCode);

    public override object? RpcData => Problem is BundleProblem.NotFound ? null : new { problem = Problem.ToString() };
}
