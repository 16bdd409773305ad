namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// Lists every way a clone's device set differs from the template's. hostd refuses to resume on any
/// difference because QEMU itself does not notice all of them.
/// </summary>
public static class VmSpecComparer
{
    /// <summary>Human-readable differences; empty when the clone may resume.</summary>
    public static IReadOnlyList<string> Differences(VmSpec template, VmSpec clone)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(clone);
        var differences = new List<string>();
        Compare(differences, "machine type", template.MachineType, clone.MachineType);
        Compare(differences, "memory MiB", template.MemoryMiB, clone.MemoryMiB);
        Compare(differences, "vCPUs", template.Vcpus, clone.Vcpus);
        Compare(differences, "CPU model", template.CpuModel, clone.CpuModel);
        Compare(differences, "kernel", template.Kernel, clone.Kernel);
        Compare(differences, "initrd", template.Initrd, clone.Initrd);
        Compare(differences, "append", template.Append, clone.Append);
        Compare(differences, "vmgenid device", template.VmGenId, clone.VmGenId);
        Compare(differences, "CDROM", Describe(template.Cdrom), Describe(clone.Cdrom));
        Compare(differences, "NIC", Describe(template.Nic), Describe(clone.Nic));
        Compare(
            differences,
            "disks",
            string.Join(", ", template.Disks.Select(d => $"{d.Id}@{d.PciSlot}")),
            string.Join(", ", clone.Disks.Select(d => $"{d.Id}@{d.PciSlot}")));
        return differences;
    }

    /// <exception cref="VmSpecException">The specs differ.</exception>
    public static void RequireMatch(VmSpec template, VmSpec clone)
    {
        var differences = Differences(template, clone);
        if (differences.Count > 0)
        {
            throw new VmSpecException("the clone's device set does not match the bundle's", differences);
        }
    }

    private static string Describe(VmCdromSpec? cdrom) => cdrom is null ? "none" : $"{cdrom.Id} on {cdrom.Bus} unit {cdrom.Unit}";

    private static string Describe(VmNicSpec? nic) => nic is null ? "none" : $"{nic.Id} {nic.Mac.ToLowerInvariant()} slot {nic.PciSlot}";

    private static void Compare<T>(List<string> differences, string what, T template, T clone)
    {
        if (!EqualityComparer<T>.Default.Equals(template, clone))
        {
            differences.Add($"{what}: bundle has {template?.ToString() ?? "none"}, clone has {clone?.ToString() ?? "none"}");
        }
    }
}
