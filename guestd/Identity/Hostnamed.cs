using Jumpstart.Shared.DBus;
using Tmds.DBus.Protocol;

namespace Jumpstart.Guestd.Identity;

/// <summary>
/// Sets the host name through systemd-hostnamed (org.freedesktop.hostname1) when it is on the system
/// bus: <c>SetStaticHostname</c> (it writes /etc/hostname), then <c>SetHostname</c> (the kernel's),
/// both with <c>interactive</c> false. So a guest with systemd learns its new name the way
/// <c>hostnamectl</c> would set it, and hostnamed's PropertiesChanged reaches whoever listens.
/// </summary>
/// <remarks>org.freedesktop.hostname1(5): <c>SetStaticHostname(in s hostname, in b interactive)</c>, <c>SetHostname(in s hostname, in b interactive)</c>.</remarks>
public sealed class Hostnamed(string? busAddress = null)
{
    public const string BusName = "org.freedesktop.hostname1";
    public const string ObjectPath = "/org/freedesktop/hostname1";
    public const string Interface = "org.freedesktop.hostname1";

    /// <summary>
    /// Asks hostnamed to set <paramref name="hostname"/>; false (nothing changed) when there is no
    /// system bus or hostnamed is not on it, so the caller falls back to sethostname(2).
    /// </summary>
    /// <exception cref="DBusException">hostnamed is there but refused or did not answer.</exception>
    public async Task<bool> TrySetAsync(string hostname, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        var (connection, _) = await SystemBus.TryConnectAsync(SystemBus.Address(busAddress), cancellationToken);
        if (connection is null)
        {
            return false;
        }

        using (connection)
        {
            if (!await SystemBus.HasServiceAsync(connection, BusName))
            {
                return false;
            }

            await SystemBus.CallAsync(connection, Call(connection, "SetStaticHostname", hostname), $"hostnamed SetStaticHostname {hostname}");
            await SystemBus.CallAsync(connection, Call(connection, "SetHostname", hostname), $"hostnamed SetHostname {hostname}");
            return true;
        }
    }

    /// <summary>
    /// Whether hostnamed could be asked now, changing nothing: what a template's warm-up runs, so that a clone's
    /// hostname step finds the D-Bus code loaded and compiled (under TCG, loading and compiling it the first time
    /// costs a clone over a hundred milliseconds).
    /// </summary>
    /// <exception cref="DBusException">The bus is there but did not answer.</exception>
    public async Task<bool> IsAvailableAsync(CancellationToken cancellationToken)
    {
        var (connection, _) = await SystemBus.TryConnectAsync(SystemBus.Address(busAddress), cancellationToken);
        if (connection is null)
        {
            return false;
        }

        using (connection)
        {
            return await SystemBus.HasServiceAsync(connection, BusName);
        }
    }

    private static MessageBuffer Call(DBusConnection connection, string member, string hostname)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: BusName, path: ObjectPath, @interface: Interface, member: member, signature: "sb");
        writer.WriteString(hostname);
        writer.WriteBool(false);
        return writer.CreateMessage();
    }
}
