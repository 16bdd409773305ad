using Tmds.DBus.Protocol;

namespace Jumpstart.Shared.DBus;

/// <summary>
/// A D-Bus call failed: the bus is unreachable, the connection closed, or the peer answered with an
/// error (<see cref="ErrorName"/>). The one exception our D-Bus code lets out; Tmds.DBus.Protocol's
/// own types are translated in <see cref="SystemBus.CallAsync{T}"/>.
/// </summary>
public sealed class DBusException : Exception
{
    public DBusException(string message, string? errorName = null, bool isTransient = false, Exception? inner = null)
        : base(message, inner)
    {
        ErrorName = errorName;
        IsTransient = isTransient;
    }

    /// <summary>The D-Bus error name the peer replied with (e.g. <c>org.freedesktop.DBus.Error.UnknownMethod</c>), or null when no reply came.</summary>
    public string? ErrorName { get; }

    /// <summary>True when trying again later may succeed (the bus or the peer went away).</summary>
    public bool IsTransient { get; }

    /// <summary>Translates what Tmds.DBus.Protocol throws into a <see cref="DBusException"/>; null when <paramref name="exception"/> is not a D-Bus failure.</summary>
    public static DBusException? From(Exception exception, string what) => exception switch
    {
        DBusErrorReplyException reply => new DBusException($"{what}: {reply.ErrorName}: {reply.ErrorMessage}", reply.ErrorName, IsTransientError(reply.ErrorName), reply),
        DBusConnectionException connection => new DBusException($"{what}: {connection.Message}", isTransient: true, inner: connection),
        DBusExceptionBase other => new DBusException($"{what}: {other.Message}", inner: other),
        IOException or System.Net.Sockets.SocketException => new DBusException($"{what}: {exception.Message}", isTransient: true, inner: exception),
        _ => null,
    };

    private static bool IsTransientError(string errorName)
        => errorName is DBusErrorNames.ServiceUnknown or DBusErrorNames.NoReply or DBusErrorNames.Timeout or DBusErrorNames.NameHasNoOwner;
}
