namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>The virtio-net NIC. Clones keep the template's MAC in QEMU; guestd gives the guest a new one.</summary>
public sealed record VmNicSpec
{
    public string Id { get; init; } = "net0";

    public required string Mac { get; init; }

    public required int PciSlot { get; init; }
}
