using System.Text;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.DBus;
using Tmds.DBus.Protocol;

namespace Jumpstart.Hostd.DBus;

/// <summary>
/// The read-only <c>org.jumpstart.Hostd1</c> object at <c>/org/jumpstart/Hostd1</c>: properties
/// <c>Version</c> and <c>NodeName</c>, method <c>ListVms</c>, signal <c>VmStateChanged</c>, plus
/// <c>org.freedesktop.DBus.Properties</c> (Get, GetAll; Set refuses) and <c>Introspectable</c>.
/// </summary>
/// <remarks>
/// Written against the D-Bus specification's "Standard Interfaces" section by hand (no code generator
/// is served here). Methods run on the connection's receive loop, so each answers from memory at once.
/// </remarks>
public sealed class HostdObject(Func<IReadOnlyList<VmHandle>> vms, Func<string> nodeName, string version) : IPathMethodHandler
{
    public const string BusName = "org.jumpstart.Hostd1";
    public const string ObjectPath = "/org/jumpstart/Hostd1";
    public const string Interface = "org.jumpstart.Hostd1";
    public const string ListVmsMethod = "ListVms";
    public const string VmStateChangedSignal = "VmStateChanged";
    public const string VersionProperty = "Version";
    public const string NodeNameProperty = "NodeName";

    /// <summary>ListVms' reply: an array of (name, state, role, pid).</summary>
    public const string VmListSignature = "a(sssu)";

    private const string PropertiesInterface = "org.freedesktop.DBus.Properties";

    private static readonly ReadOnlyMemory<byte> s_interfaceXml = Encoding.UTF8.GetBytes($"""
        <interface name="{Interface}">
          <method name="{ListVmsMethod}">
            <arg name="vms" type="{VmListSignature}" direction="out"/>
          </method>
          <signal name="{VmStateChangedSignal}">
            <arg name="name" type="s"/>
            <arg name="state" type="s"/>
          </signal>
          <property name="{VersionProperty}" type="s" access="read"/>
          <property name="{NodeNameProperty}" type="s" access="read"/>
        </interface>

        """);

    public string Path => ObjectPath;

    public bool HandlesChildPaths => false;

    /// <summary>The wire form of a VM state: "alive", "dead", "stopped" (as <c>jumpstart vm list</c> prints it).</summary>
    public static string StateName(VmState state) => state.ToString().ToLowerInvariant();

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (context.IsDBusIntrospectRequest)
        {
            context.ReplyIntrospectXml([s_interfaceXml, IntrospectionXml.DBusProperties]);
        }
        else if (context.IsPropertiesInterfaceRequest)
        {
            HandleProperties(context, request.MemberAsString, request.SignatureAsString);
        }
        else if (request.InterfaceAsString is null or Interface && request.MemberAsString == ListVmsMethod && string.IsNullOrEmpty(request.SignatureAsString))
        {
            ReplyVmList(context);
        }

        // Anything else: disposing an unanswered context replies UnknownMethod.
        return ValueTask.CompletedTask;
    }

    /// <summary>Builds the <c>VmStateChanged(s name, s state)</c> signal.</summary>
    public MessageBuffer StateChangedSignal(DBusConnection connection, string name, VmState state)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var writer = connection.GetMessageWriter();
        writer.WriteSignalHeader(path: ObjectPath, @interface: Interface, member: VmStateChangedSignal, signature: "ss");
        writer.WriteString(name);
        writer.WriteString(StateName(state));
        return writer.CreateMessage();
    }

    private void HandleProperties(MethodContext context, string? member, string? signature)
    {
        var reader = context.Request.GetBodyReader();
        switch (member, signature)
        {
            case ("Get", "ss"):
            {
                var requestedInterface = reader.ReadString();
                var property = reader.ReadString();
                if (requestedInterface != Interface || PropertyValue(property) is not { } value)
                {
                    context.ReplyError(DBusErrorNames.UnknownProperty, $"no property {requestedInterface}.{property}");
                    return;
                }

                using var writer = context.CreateReplyWriter("v");
                writer.WriteVariantString(value);
                context.Reply(writer.CreateMessage());
                return;
            }

            case ("GetAll", "s"):
            {
                var requestedInterface = reader.ReadString();
                using var writer = context.CreateReplyWriter("a{sv}");
                var dictionary = writer.WriteDictionaryStart();
                if (requestedInterface == Interface)
                {
                    foreach (var property in new[] { VersionProperty, NodeNameProperty })
                    {
                        writer.WriteDictionaryEntryStart();
                        writer.WriteString(property);
                        writer.WriteVariantString(PropertyValue(property)!);
                    }
                }

                writer.WriteDictionaryEnd(dictionary);
                context.Reply(writer.CreateMessage());
                return;
            }

            case ("Set", "ssv"):
                context.ReplyError(DBusErrorNames.PropertyReadOnly, $"{Interface} is read-only");
                return;

            default:
                context.ReplyUnknownMethodError();
                return;
        }
    }

    private string? PropertyValue(string property) => property switch
    {
        VersionProperty => version,
        NodeNameProperty => nodeName(),
        _ => null,
    };

    private void ReplyVmList(MethodContext context)
    {
        using var writer = context.CreateReplyWriter(VmListSignature);
        var array = writer.WriteArrayStart(DBusType.Struct);
        foreach (var vm in vms())
        {
            writer.WriteStructureStart();
            writer.WriteString(vm.Name);
            writer.WriteString(StateName(vm.State));
            writer.WriteString(vm.Launch.Role);
            writer.WriteUInt32((uint)Math.Max(vm.Pid, 0));
        }

        writer.WriteArrayEnd(array);
        context.Reply(writer.CreateMessage());
    }
}
