namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>
/// Where one VM's files live: runtime files (QMP socket, pidfile) under {RuntimeDirectory}/vms/NAME,
/// which vanish with a host reboot like the VM itself; the rest (serial log, disks, disc, record) under
/// {StateDirectory}/vms/NAME.
/// </summary>
public sealed record VmPaths(string RuntimeDirectory, string StateDirectory)
{
    public const string VmsFolder = "vms";

    public static VmPaths For(string stateRoot, string runtimeRoot, string name)
    {
        VmNames.Require(name, "VM name");
        return new VmPaths(Path.Combine(runtimeRoot, VmsFolder, name), Path.Combine(stateRoot, VmsFolder, name));
    }

    public string QmpSocket => Path.Combine(RuntimeDirectory, "qmp.sock");

    public string PidFile => Path.Combine(RuntimeDirectory, "qemu.pid");

    public string SerialLog => Path.Combine(StateDirectory, "serial.log");

    /// <summary>The <see cref="VmLaunch"/> written at start, read back on rediscovery.</summary>
    public string RecordFile => Path.Combine(StateDirectory, "vm.json");

    public string MetadataDisc => Path.Combine(StateDirectory, "metadata.iso");

    public string DiskFile(string diskId) => Path.Combine(StateDirectory, $"disk-{diskId}.qcow2");

    /// <summary>File-backed RAM of a template being made into a mapped bundle.</summary>
    public string RamFile => Path.Combine(StateDirectory, "ram");
}
