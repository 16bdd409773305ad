namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>A state bundle is missing, incomplete, corrupted or unsupported; nothing was started from it.</summary>
public sealed class BundleException(string bundle, BundleProblem problem, string detail, Exception? inner = null)
    : Exception($"bundle {bundle}: {detail}", inner)
{
    public string Bundle { get; } = bundle;

    public BundleProblem Problem { get; } = problem;
}
