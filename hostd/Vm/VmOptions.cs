using Jumpstart.Hostd.Vm.Supervisor;

namespace Jumpstart.Hostd.Vm;

/// <summary>
/// Configuration section "Vm" of hostd.json (JUMPSTART_HOSTD__VM__*): how this host runs VMs.
/// </summary>
public sealed class VmOptions
{
    public const string Section = "Vm";

    public const string AutoAccelerator = AcceleratorProbe.Auto;

    /// <summary><c>auto</c> (probe KVM, fall back to TCG), <c>kvm</c> or <c>tcg</c>.</summary>
    public string Accelerator { get; set; } = AutoAccelerator;

    /// <summary>A kernel the KVM probe boots (proves KVM can run a real guest); null takes the host's own kernel, and
    /// without one <c>auto</c> means TCG.</summary>
    public string? ProbeKernel { get; set; }

    /// <summary>The bridge clone taps join; null or empty gives clones an isolated NIC backend.</summary>
    public string? Bridge { get; set; }

    /// <summary>Clones resumed at once.</summary>
    public int CloneConcurrency { get; set; } = 4;
}
