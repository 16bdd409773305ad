namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>File names inside a bundle directory. Parts may only be named like these.</summary>
public static class BundleFiles
{
    public const string Spec = "spec.json";
    public const string State = "state";
    public const string CompressedState = "state.zst";
    public const string Ram = "memory.ram";

    /// <summary>Longest manifest or spec accepted; both are a few KiB.</summary>
    public const int MaxJsonBytes = 1 << 20;

    public static string Disk(string diskId) => $"disk-{diskId}.qcow2";
}
