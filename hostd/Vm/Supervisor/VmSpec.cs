namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// The device set of a VM: everything a clone must match for the template's migration stream to load
/// and for the guest to find its devices where it left them. QEMU's argv is derived from this (plus the
/// per-instance <see cref="VmLaunch"/>) and from nothing else.
/// </summary>
/// <remarks>
/// QEMU loads a stream into a different device set more often than one would hope (a missing or moved
/// IDE CDROM loads "successfully"), so <see cref="VmSpecComparer"/> checks a clone against the bundle's
/// spec before anything starts. Serialized as spec.json in a state bundle.
/// </remarks>
public sealed record VmSpec
{
    /// <summary>A versioned machine type (an alias like <c>pc</c> may change meaning between QEMU versions).</summary>
    public string MachineType { get; init; } = "pc-i440fx-7.2";

    public int MemoryMiB { get; init; } = 512;

    public int Vcpus { get; init; } = 1;

    /// <summary>The CPU model; <c>max</c> works under TCG and KVM alike.</summary>
    public string CpuModel { get; init; } = "max";

    /// <summary>Kernel for direct boot (<c>-kernel</c>), or null to boot from firmware.</summary>
    public string? Kernel { get; init; }

    public string? Initrd { get; init; }

    public string? Append { get; init; }

    /// <summary>virtio-blk disks, each on its own fixed PCI slot.</summary>
    public IReadOnlyList<VmDiskSpec> Disks { get; init; } = [];

    /// <summary>The empty IDE CDROM the metadata disc goes into, or null for none.</summary>
    public VmCdromSpec? Cdrom { get; init; } = new();

    /// <summary>The virtio-net NIC (with the template's MAC), or null for none.</summary>
    public VmNicSpec? Nic { get; init; }

    /// <summary>Whether the VM has a <c>vmgenid</c> device (clones get a new GUID so the guest reseeds).</summary>
    public bool VmGenId { get; init; } = true;
}
