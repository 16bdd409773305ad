namespace Jumpstart.Hostd.DBus;

/// <summary>
/// Configuration section "DBus" of hostd.json (JUMPSTART_DBus__*): what hostd does on the
/// system bus. Everything is on by default and does nothing when there is no system bus.
/// </summary>
public sealed class HostdBusOptions
{
    public const string Section = "DBus";

    /// <summary>Use the system bus at all; false keeps hostd off it entirely.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Register each VM with systemd-machined (when machined is on the bus).</summary>
    public bool RegisterMachines { get; set; } = true;

    /// <summary>Publish the read-only <c>org.jumpstart.Hostd1</c> object.</summary>
    public bool PublishObject { get; set; } = true;

    /// <summary>The bus address; null or empty: DBUS_SYSTEM_BUS_ADDRESS, else the system bus socket.</summary>
    public string? SystemBusAddress { get; set; }
}
