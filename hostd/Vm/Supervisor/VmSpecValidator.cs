using System.Text.RegularExpressions;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Checks a <see cref="VmSpec"/> before any of it reaches QEMU's command line.</summary>
public static partial class VmSpecValidator
{
    public const int MinMemoryMiB = 16;
    public const int MaxMemoryMiB = 256 * 1024;
    public const int MaxVcpus = 64;
    public const int MaxDisks = 16;
    public const int MaxAppendChars = 2048;

    /// <summary>PCI slots 0-2 belong to the i440fx host bridge, PIIX and VGA; 31 is the last.</summary>
    public const int MinPciSlot = 3;
    public const int MaxPciSlot = 31;

    /// <exception cref="VmSpecException">Every problem found, in one message.</exception>
    public static void Validate(VmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<string>();
        Check(problems, Token().IsMatch(spec.MachineType), $"machine type '{spec.MachineType}' is not a plain name");
        Check(problems, Token().IsMatch(spec.CpuModel), $"CPU model '{spec.CpuModel}' is not a plain name");
        Check(problems, spec.MemoryMiB is >= MinMemoryMiB and <= MaxMemoryMiB, $"memory {spec.MemoryMiB} MiB is outside {MinMemoryMiB}-{MaxMemoryMiB}");
        Check(problems, spec.Vcpus is >= 1 and <= MaxVcpus, $"vCPUs {spec.Vcpus} is outside 1-{MaxVcpus}");
        Check(problems, spec.Kernel is null || Path.IsPathFullyQualified(spec.Kernel), "kernel must be an absolute path");
        Check(problems, spec.Initrd is null || Path.IsPathFullyQualified(spec.Initrd), "initrd must be an absolute path");
        Check(problems, spec.Initrd is null || spec.Kernel is not null, "an initrd needs a kernel");
        Check(problems, spec.Append is null || (spec.Kernel is not null && spec.Append.Length <= MaxAppendChars && !spec.Append.Any(char.IsControl)), "append needs a kernel and must be one short line");
        Check(problems, spec.Disks.Count <= MaxDisks, $"more than {MaxDisks} disks");
        var slots = new HashSet<int>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var disk in spec.Disks)
        {
            Check(problems, Id().IsMatch(disk.Id) && ids.Add(disk.Id), $"disk id '{disk.Id}' is not a unique short name");
            CheckSlot(problems, slots, disk.PciSlot, $"disk {disk.Id}");
        }

        if (spec.Nic is { } nic)
        {
            Check(problems, Id().IsMatch(nic.Id) && ids.Add(nic.Id), $"NIC id '{nic.Id}' is not a unique short name");
            Check(problems, NetworkValues.IsUnicastMac(nic.Mac), $"NIC MAC '{nic.Mac}' is not a unicast MAC");
            CheckSlot(problems, slots, nic.PciSlot, $"NIC {nic.Id}");
        }

        if (spec.Cdrom is { } cdrom)
        {
            Check(problems, Id().IsMatch(cdrom.Id) && ids.Add(cdrom.Id), $"CDROM id '{cdrom.Id}' is not a unique short name");
            Check(problems, IdeBus().IsMatch(cdrom.Bus), $"CDROM bus '{cdrom.Bus}' is not ide.N");
            Check(problems, cdrom.Unit is 0 or 1, "CDROM unit must be 0 or 1");
        }

        if (problems.Count > 0)
        {
            throw new VmSpecException("invalid VM spec", problems);
        }
    }

    private static void CheckSlot(List<string> problems, HashSet<int> slots, int slot, string what)
        => Check(problems, slot is >= MinPciSlot and <= MaxPciSlot && slots.Add(slot), $"{what}: PCI slot {slot} is taken or outside {MinPciSlot}-{MaxPciSlot}");

    private static void Check(List<string> problems, bool ok, string problem)
    {
        if (!ok)
        {
            problems.Add(problem);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Token();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,15}$")]
    private static partial Regex Id();

    [GeneratedRegex("^ide\\.[0-9]$")]
    private static partial Regex IdeBus();
}
