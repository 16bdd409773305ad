namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>A clone plan that cannot be carried out (bad count, prefix, address, gateway, DNS or policy): nothing was started.</summary>
public sealed class ClonePlanException(string message, Exception? inner = null) : Exception(message, inner);
