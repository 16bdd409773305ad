namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>No VM of that name is known to this hostd.</summary>
public sealed class VmNotFoundException(string name) : Exception($"no VM named '{name}'")
{
    public string VmName { get; } = name;
}
