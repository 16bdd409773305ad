namespace Jumpstart.Hostd.DBus;

/// <summary>What machined is told about one VM.</summary>
/// <param name="Name">The machine name (the VM's name; <c>machinectl list</c> shows it).</param>
/// <param name="Id">The machine's 128-bit id (the VM's vmgenid GUID).</param>
/// <param name="Leader">The QEMU process; machined moves it into <c>machine-NAME.scope</c>.</param>
/// <param name="InterfaceIndexes">The host-side network interfaces (the VM's tap), for <c>machinectl status</c>.</param>
public sealed record MachineRegistration(string Name, Guid Id, int Leader, IReadOnlyList<int> InterfaceIndexes);
