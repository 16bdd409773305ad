namespace Jumpstart.Shared.DBus;

/// <summary>Standard D-Bus error names (D-Bus specification, "Message Bus Messages", and dbus-protocol.h).</summary>
public static class DBusErrorNames
{
    public const string UnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";
    public const string UnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface";
    public const string UnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty";
    public const string PropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly";
    public const string InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
    public const string AccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
    public const string ServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown";
    public const string NameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner";
    public const string NoReply = "org.freedesktop.DBus.Error.NoReply";
    public const string Timeout = "org.freedesktop.DBus.Error.Timeout";
}
