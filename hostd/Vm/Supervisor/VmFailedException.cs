namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>QEMU failed to do what was asked (a QMP command, a migration) for a running VM.</summary>
public sealed class VmFailedException(string message, Exception? inner = null) : VmException(message, inner);
