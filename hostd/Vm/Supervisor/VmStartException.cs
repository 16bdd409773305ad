namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>QEMU did not start (bad argv, missing file, busy tap) or its QMP socket did not answer.</summary>
public sealed class VmStartException(string name, string reason, Exception? inner = null)
    : VmException($"VM {name} did not start: {reason}", inner)
{
    public string VmName { get; } = name;
}
