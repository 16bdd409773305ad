using Tmds.DBus.Protocol;

namespace Jumpstart.Shared.DBus;

/// <summary>
/// The system bus as both daemons use it: the address (configured, else <c>DBUS_SYSTEM_BUS_ADDRESS</c>,
/// else the well-known socket), a connection that is either made or reported absent, and method calls
/// whose failures come out as <see cref="DBusException"/>.
/// </summary>
/// <remarks>
/// Uses Tmds.DBus.Protocol's <see cref="DBusConnection"/> (the trimming-safe API); no code generator is
/// served here, so callers write messages with <see cref="MessageWriter"/> and read replies with
/// <see cref="Reader"/> by hand, as the D-Bus specification's type system describes.
/// </remarks>
public static class SystemBus
{
    /// <summary>The variable that overrides the system bus address (D-Bus specification, "Well-known Message Bus Instances").</summary>
    public const string AddressVariable = "DBUS_SYSTEM_BUS_ADDRESS";

    /// <summary>The system bus socket when the variable is unset.</summary>
    public const string DefaultAddress = "unix:path=/run/dbus/system_bus_socket";

    /// <summary>The bus itself: org.freedesktop.DBus at /org/freedesktop/DBus.</summary>
    public const string BusName = "org.freedesktop.DBus";

    public const string BusPath = "/org/freedesktop/DBus";

    /// <summary>Bound on connecting and authenticating; a system bus answers in milliseconds.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bound on one method call's reply. The bus gives up on a silent peer after its own timeout (25 s by default in
    /// dbus-daemon, configurable and absent on a broken bus), so every call is bounded here too.
    /// </summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private const string UnixPathPrefix = "unix:path=";

    /// <summary>The address to use: <paramref name="configured"/> when set, else the variable, else <see cref="DefaultAddress"/>.</summary>
    public static string Address(string? configured = null)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(AddressVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultAddress : fromEnvironment;
    }

    /// <summary>
    /// Connects to the bus at <paramref name="address"/>; null (nothing thrown) when there is no bus there:
    /// a <c>unix:path=</c> socket that does not exist, or a connection that fails. The reason is in <c>Why</c>.
    /// </summary>
    public static async Task<(DBusConnection? Connection, string Why)> TryConnectAsync(string address, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (address.StartsWith(UnixPathPrefix, StringComparison.Ordinal)
            && address[UnixPathPrefix.Length..].Split(',')[0] is var socket
            && !File.Exists(socket))
        {
            return (null, $"no system bus socket at {socket}");
        }

        var connection = new DBusConnection(address);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(ConnectTimeout, cancellationToken);
            return (connection, "connected");
        }
        catch (Exception ex) when (DBusException.From(ex, "connect") is not null || ex is TimeoutException)
        {
            connection.Dispose();
            return (null, $"cannot connect to {address}: {ex.Message}");
        }
    }

    /// <summary>True when <paramref name="name"/> has an owner now or the bus can start one (a D-Bus activatable service, as machined and hostnamed are).</summary>
    /// <exception cref="DBusException">The bus did not answer.</exception>
    public static async Task<bool> HasServiceAsync(DBusConnection connection, string name)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            return (await BoundedAsync(connection.ListServicesAsync(), $"look up {name}")).Contains(name, StringComparer.Ordinal)
                || (await BoundedAsync(connection.ListActivatableServicesAsync(), $"look up {name}")).Contains(name, StringComparer.Ordinal);
        }
        catch (Exception ex) when (DBusException.From(ex, $"look up {name}") is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Sends a method call and reads its reply with <paramref name="reader"/>.</summary>
    /// <exception cref="DBusException">The call failed; <see cref="DBusException.ErrorName"/> holds the peer's error.</exception>
    public static async Task<T> CallAsync<T>(DBusConnection connection, MessageBuffer call, MessageValueReader<T> reader, string what)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            return await BoundedAsync(connection.CallMethodAsync(call, reader), what);
        }
        catch (Exception ex) when (DBusException.From(ex, what) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Sends a method call whose reply carries nothing we need.</summary>
    /// <exception cref="DBusException">The call failed.</exception>
    public static async Task CallAsync(DBusConnection connection, MessageBuffer call, string what)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            await BoundedAsync(connection.CallMethodAsync(call), what);
        }
        catch (Exception ex) when (DBusException.From(ex, what) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Waits for <paramref name="call"/> at most <see cref="CallTimeout"/>.</summary>
    /// <exception cref="DBusException">No reply in time (transient, <see cref="DBusErrorNames.NoReply"/>).</exception>
    public static async Task<T> BoundedAsync<T>(Task<T> call, string what)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call.WaitAsync(CallTimeout);
        }
        catch (TimeoutException ex)
        {
            throw NoReply(call, what, ex);
        }
    }

    /// <summary>Waits for <paramref name="call"/> at most <see cref="CallTimeout"/>.</summary>
    /// <exception cref="DBusException">No reply in time (transient, <see cref="DBusErrorNames.NoReply"/>).</exception>
    public static async Task BoundedAsync(Task call, string what)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            await call.WaitAsync(CallTimeout);
        }
        catch (TimeoutException ex)
        {
            throw NoReply(call, what, ex);
        }
    }

    private static DBusException NoReply(Task call, string what, TimeoutException timeout)
    {
        // The late reply (or failure) is dropped with the task.
        _ = call.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return new DBusException($"{what}: no reply within {CallTimeout.TotalSeconds:0} s", DBusErrorNames.NoReply, isTransient: true, timeout);
    }
}
