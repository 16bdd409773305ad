using System.Globalization;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// Derives qemu-system-x86_64's argv from a <see cref="VmLaunch"/> (its spec plus per-instance files)
/// and nothing else, so a template and its clones get the same device set by construction.
/// </summary>
/// <remarks>
/// QEMU 7.2 system emulation manual (qemu-system-x86_64(1)): <c>-nodefaults</c> so no implicit devices
/// differ; <c>-machine memory-backend=</c> with an explicit <c>memory-backend-ram</c>/<c>-file</c> object
/// so the RAM block has the same id (<c>ram0</c>) in both memory formats; <c>-sandbox on</c> with
/// <c>obsolete</c> and <c>resourcecontrol</c> denied (<c>elevateprivileges</c> and <c>spawn</c> must stay
/// allowed: <c>-daemonize</c> calls setsid and fork, and <c>exec:</c> migration forks a shell);
/// <c>-daemonize</c> so QEMU outlives hostd; <c>-incoming defer</c> waits for <c>migrate-incoming</c>.
/// </remarks>
public static class QemuCommandLine
{
    /// <summary>The system emulator hostd runs.</summary>
    public const string Binary = "qemu-system-x86_64";

    public const string MemoryBackendId = "ram0";

    public const string Sandbox = "on,obsolete=deny,resourcecontrol=deny";

    public static IReadOnlyList<string> Build(VmLaunch launch, VmPaths paths)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(paths);
        VmSpecValidator.Validate(launch.Spec);
        var spec = launch.Spec;
        var args = new List<string>
        {
            "-name", QemuOptionValue.Escape(VmNames.Require(launch.Name, "VM name")),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-machine", $"{spec.MachineType},memory-backend={MemoryBackendId}",
            "-accel", launch.Accelerator == Accelerator.Kvm ? "kvm" : "tcg",
            "-cpu", spec.CpuModel,
            "-smp", spec.Vcpus.ToString(CultureInfo.InvariantCulture),
            "-m", Mib(spec.MemoryMiB),
            "-object", MemoryBackend(launch),
            "-sandbox", Sandbox,
            "-daemonize",
            "-pidfile", paths.PidFile,
            "-qmp", $"unix:{QemuOptionValue.Escape(paths.QmpSocket)},server=on,wait=off",
            "-chardev", $"file,id=serial0,path={QemuOptionValue.Escape(paths.SerialLog)},append=on",
            "-serial", "chardev:serial0",
        };

        if (spec.Kernel is { } kernel)
        {
            args.AddRange(["-kernel", kernel]);
            if (spec.Initrd is { } initrd)
            {
                args.AddRange(["-initrd", initrd]);
            }

            if (spec.Append is { } append)
            {
                args.AddRange(["-append", append]);
            }
        }

        foreach (var disk in spec.Disks)
        {
            if (!launch.DiskFiles.TryGetValue(disk.Id, out var file))
            {
                throw new VmSpecException($"no image file for disk '{disk.Id}'");
            }

            args.AddRange(["-drive", $"if=none,id=drive-{disk.Id},file={QemuOptionValue.Escape(file)},format=qcow2,cache=writeback,discard=unmap"]);
            args.AddRange(["-device", $"virtio-blk-pci,drive=drive-{disk.Id},id={disk.Id},addr={Slot(disk.PciSlot)}"]);
        }

        if (spec.Cdrom is { } cdrom)
        {
            args.AddRange(["-drive", $"if=none,id=drive-{cdrom.Id},media=cdrom,readonly=on"]);
            args.AddRange(["-device", $"ide-cd,drive=drive-{cdrom.Id},id={cdrom.Id},bus={cdrom.Bus},unit={cdrom.Unit.ToString(CultureInfo.InvariantCulture)}"]);
        }

        if (spec.Nic is { } nic)
        {
            // Without a tap the NIC still exists (the device set must match) but talks to nothing: a hub
            // port alone on its hub. Not "user": slirp saves a 'slirp' migration section, so a template
            // booted with it could only be resumed by clones without a tap ("Unknown savevm section").
            var backend = launch.TapInterface is { } tap
                ? $"tap,id=netdev-{nic.Id},ifname={QemuOptionValue.Escape(tap)},script=no,downscript=no"
                : $"hubport,id=netdev-{nic.Id},hubid=0";
            args.AddRange(["-netdev", backend]);
            args.AddRange(["-device", $"virtio-net-pci,netdev=netdev-{nic.Id},id={nic.Id},mac={nic.Mac.ToLowerInvariant()},addr={Slot(nic.PciSlot)}"]);
        }

        if (spec.VmGenId)
        {
            args.AddRange(["-device", $"vmgenid,id=vmgenid0,guid={launch.VmGenIdGuid:D}"]);
        }

        if (launch.Incoming)
        {
            args.AddRange(["-incoming", "defer"]);
        }

        return args;
    }

    private static string MemoryBackend(VmLaunch launch)
    {
        var size = Mib(launch.Spec.MemoryMiB);
        return launch.Memory.File is { } file
            ? $"memory-backend-file,id={MemoryBackendId},size={size},mem-path={QemuOptionValue.Escape(file)},share={(launch.Memory.Shared ? "on" : "off")}"
            : $"memory-backend-ram,id={MemoryBackendId},size={size}";
    }

    private static string Mib(int mib) => string.Create(CultureInfo.InvariantCulture, $"{mib}M");

    private static string Slot(int slot) => string.Create(CultureInfo.InvariantCulture, $"0x{slot:x}");
}
