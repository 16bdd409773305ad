namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>How QEMU runs guest code.</summary>
public enum Accelerator
{
    /// <summary>Software emulation: always works, slower.</summary>
    Tcg,

    /// <summary>Hardware virtualization through /dev/kvm, used only when a probe VM proved it can boot.</summary>
    Kvm,
}
