namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>One virtio-blk disk of a <see cref="VmSpec"/>.</summary>
public sealed record VmDiskSpec
{
    /// <summary>The qdev id (a short name, e.g. <c>root</c>); names the disk in the bundle too.</summary>
    public required string Id { get; init; }

    /// <summary>The PCI slot (<c>addr=</c>) the guest sees it on.</summary>
    public required int PciSlot { get; init; }
}
