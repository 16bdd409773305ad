using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Mono.Unix.Native;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// Hands out the listening sockets systemd passed (socket activation) by name, and closes every
/// passed descriptor nobody claimed, so none leaks into the daemon's lifetime or its children.
/// </summary>
/// <remarks>
/// sd_listen_fds(3): descriptors start at SD_LISTEN_FDS_START (3); the library marks them
/// close-on-exec ("FD_CLOEXEC is set on all passed file descriptors"), which this class does at
/// construction so no qemu or script child inherits a listening socket. Names come from
/// LISTEN_FDNAMES (FileDescriptorName= in systemd.socket(5)). The host calls
/// <see cref="CloseUnclaimed"/> once every service has started. Ours because
/// Microsoft.Extensions.Hosting.Systemd has no socket activation.
/// </remarks>
public sealed partial class SystemdSocketActivation : IDisposable
{
    private const int FdCloexec = 1;

    private readonly ILogger<SystemdSocketActivation> _logger;
    private readonly Lock _lock = new();
    private readonly List<PassedDescriptor> _unclaimed;

    public SystemdSocketActivation(SystemdEnvironment environment, ILogger<SystemdSocketActivation> logger)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _logger = logger;
        _unclaimed = [.. environment.ListenFds];
        foreach (var descriptor in _unclaimed)
        {
            if (Syscall.fcntl(descriptor.Fd, FcntlCommand.F_SETFD, FdCloexec) < 0)
            {
                LogCloexecFailed(_logger, descriptor.Fd, descriptor.Name, Stdlib.GetLastError().ToString());
            }
        }
    }

    /// <summary>Descriptors passed but not yet claimed.</summary>
    public IReadOnlyList<PassedDescriptor> Unclaimed
    {
        get
        {
            lock (_lock)
            {
                return [.. _unclaimed];
            }
        }
    }

    /// <summary>
    /// Claims the first passed descriptor named <paramref name="name"/> as a socket. Null when none
    /// has that name. The caller owns the socket.
    /// </summary>
    /// <exception cref="SystemdActivationException">The descriptor is not a socket.</exception>
    public Socket? TakeSocket(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        PassedDescriptor descriptor;
        lock (_lock)
        {
            var index = _unclaimed.FindIndex(d => string.Equals(d.Name, name, StringComparison.Ordinal));
            if (index < 0)
            {
                return null;
            }

            descriptor = _unclaimed[index];
            _unclaimed.RemoveAt(index);
        }

        // .NET wraps any descriptor without complaint, so check the file type first (sd_is_socket(3)).
        if (Syscall.fstat(descriptor.Fd, out var stat) != 0 || (stat.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFSOCK)
        {
            _ = Syscall.close(descriptor.Fd);
            throw new SystemdActivationException($"passed descriptor {descriptor.Fd} ('{descriptor.Name}') is not a socket");
        }

        var handle = new SafeSocketHandle(descriptor.Fd, ownsHandle: true);
        try
        {
            var socket = new Socket(handle);
            LogClaimed(_logger, descriptor.Fd, descriptor.Name, socket.AddressFamily, socket.SocketType);
            return socket;
        }
        catch (SocketException ex)
        {
            // Closing the handle releases the descriptor; a non-socket must not linger either.
            handle.Dispose();
            throw new SystemdActivationException($"passed descriptor {descriptor.Fd} ('{descriptor.Name}') is not a socket: {ex.Message}", ex);
        }
    }

    /// <summary>Closes every passed descriptor nobody claimed; returns how many were closed.</summary>
    public int CloseUnclaimed()
    {
        PassedDescriptor[] toClose;
        lock (_lock)
        {
            toClose = [.. _unclaimed];
            _unclaimed.Clear();
        }

        foreach (var descriptor in toClose)
        {
            LogClosingUnclaimed(_logger, descriptor.Fd, descriptor.Name);
            if (Syscall.close(descriptor.Fd) < 0)
            {
                LogCloseFailed(_logger, descriptor.Fd, Stdlib.GetLastError().ToString());
            }
        }

        return toClose.Length;
    }

    public void Dispose() => CloseUnclaimed();

    [LoggerMessage(EventId = LogEventIds.Systemd.SocketClaimed, Level = LogLevel.Information, Message = "using socket fd {Fd} '{Name}' passed by systemd ({Family}, {Type})")]
    private static partial void LogClaimed(ILogger logger, int fd, string name, AddressFamily family, SocketType type);

    [LoggerMessage(EventId = LogEventIds.Systemd.ClosingUnclaimed, Level = LogLevel.Warning, Message = "closing fd {Fd} '{Name}' passed by systemd: no service uses it")]
    private static partial void LogClosingUnclaimed(ILogger logger, int fd, string name);

    [LoggerMessage(EventId = LogEventIds.Systemd.CloseFailed, Level = LogLevel.Warning, Message = "cannot close passed fd {Fd}: {Error}")]
    private static partial void LogCloseFailed(ILogger logger, int fd, string error);

    [LoggerMessage(EventId = LogEventIds.Systemd.CloexecFailed, Level = LogLevel.Warning, Message = "cannot set close-on-exec on passed fd {Fd} '{Name}': {Error}")]
    private static partial void LogCloexecFailed(ILogger logger, int fd, string name, string error);
}
