using Jumpstart.Shared.DBus;
using Tmds.DBus.Protocol;

namespace Jumpstart.Hostd.DBus;

/// <summary>
/// Registers VMs with systemd-machined over the system bus: <c>CreateMachineWithNetwork</c>, falling
/// back to <c>CreateMachine</c> where machined lacks it (as libvirt's virSystemdCreateMachine does),
/// and <c>TerminateMachine</c> when hostd stops a VM.
/// </summary>
/// <remarks>
/// org.freedesktop.machine1(5): <c>CreateMachineWithNetwork(in s name, in ay id, in s service, in s class,
/// in u leader, in s root_directory, in ai ifindices, in a(sv) scope_properties, out o path)</c>;
/// <c>CreateMachine</c> is the same without <c>ifindices</c>. The id is 16 bytes (or empty).
/// </remarks>
public sealed class MachineRegistrar(DBusConnection connection)
{
    public const string BusName = "org.freedesktop.machine1";
    public const string ManagerPath = "/org/freedesktop/machine1";
    public const string ManagerInterface = "org.freedesktop.machine1.Manager";

    /// <summary>The <c>service</c> machined records (shown by <c>machinectl status</c>).</summary>
    public const string ServiceName = "jumpstart-hostd";

    /// <summary>machined's class for virtual machines (the other is "container").</summary>
    public const string VmClass = "vm";

    public const string NoSuchMachineError = "org.freedesktop.machine1.NoSuchMachine";
    public const string MachineExistsError = "org.freedesktop.machine1.MachineExists";

    /// <summary>The system bus connection the calls go over.</summary>
    public DBusConnection Connection => connection;

    private const string CreateWithNetworkSignature = "sayssusaia(sv)";
    private const string CreateSignature = "sayssusa(sv)";

    /// <summary>Registers <paramref name="machine"/>; returns its object path.</summary>
    /// <exception cref="DBusException">machined refused (e.g. <see cref="MachineExistsError"/>) or did not answer.</exception>
    public async Task<string> RegisterAsync(MachineRegistration machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        try
        {
            return await SystemBus.CallAsync(connection, CreateMessage(machine, withNetwork: true), ReadPath, $"CreateMachineWithNetwork {machine.Name}");
        }
        catch (DBusException ex) when (ex.ErrorName == DBusErrorNames.UnknownMethod)
        {
            return await SystemBus.CallAsync(connection, CreateMessage(machine, withNetwork: false), ReadPath, $"CreateMachine {machine.Name}");
        }
    }

    /// <summary>Terminates the machine (its scope and whatever still runs in it); false when machined no longer knows it.</summary>
    /// <exception cref="DBusException">machined refused or did not answer.</exception>
    public async Task<bool> TerminateAsync(string name)
    {
        try
        {
            await SystemBus.CallAsync(connection, TerminateMessage(name), $"TerminateMachine {name}");
            return true;
        }
        catch (DBusException ex) when (ex.ErrorName == NoSuchMachineError)
        {
            return false;
        }
    }

    private static string ReadPath(Message message, object? state) => message.GetBodyReader().ReadObjectPathAsString();

    private MessageBuffer CreateMessage(MachineRegistration machine, bool withNetwork)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(
            destination: BusName,
            path: ManagerPath,
            @interface: ManagerInterface,
            member: withNetwork ? "CreateMachineWithNetwork" : "CreateMachine",
            signature: withNetwork ? CreateWithNetworkSignature : CreateSignature);
        writer.WriteString(machine.Name);
        writer.WriteArray(machine.Id.ToByteArray(bigEndian: true));
        writer.WriteString(ServiceName);
        writer.WriteString(VmClass);
        writer.WriteUInt32((uint)machine.Leader);
        writer.WriteString(string.Empty);
        if (withNetwork)
        {
            writer.WriteArray(machine.InterfaceIndexes.ToArray());
        }

        var scopeProperties = writer.WriteArrayStart(DBusType.Struct);
        writer.WriteArrayEnd(scopeProperties);
        return writer.CreateMessage();
    }

    private MessageBuffer TerminateMessage(string name)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: BusName, path: ManagerPath, @interface: ManagerInterface, member: "TerminateMachine", signature: "s");
        writer.WriteString(name);
        return writer.CreateMessage();
    }
}
