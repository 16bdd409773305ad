using Jumpstart.Hostd.Vm.Supervisor;


namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>Host-wide clone settings, resolved from configuration.</summary>
/// <param name="Accelerator">What this host runs VMs with (must equal the bundle's).</param>
/// <param name="Bridge">The bridge clone taps join; null: clones get an isolated NIC backend.</param>
/// <param name="Concurrency">Clones resumed at once when a request does not say.</param>
public sealed record CloneSettings(Accelerator Accelerator, string? Bridge, int Concurrency)
{
    public const int MaxConcurrency = 64;
}
