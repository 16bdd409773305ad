namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>What hostd knows about a VM's QEMU process.</summary>
public enum VmState
{
    /// <summary>QEMU runs and its QMP socket answers.</summary>
    Alive,

    /// <summary>QEMU exited without hostd asking it to (crash, kill, guest poweroff).</summary>
    Dead,

    /// <summary>Stopped by hostd.</summary>
    Stopped,
}
