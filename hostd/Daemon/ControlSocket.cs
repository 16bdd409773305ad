using System.Net.Sockets;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Hosting;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mono.Unix;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Daemon;

/// <summary>
/// The local control socket (/run/jumpstart/hostd.sock, unix stream, mode 0660) that the
/// <c>jumpstart</c> CLI talks JSON-RPC on. Taken from systemd when socket-activated
/// (FileDescriptorName=control), bound here otherwise. The JSON-RPC server accepts on
/// <see cref="Listener"/>.
/// </summary>
public sealed partial class ControlSocket(
    IOptions<HostdOptions> options,
    SystemdSocketActivation activation,
    ILogger<ControlSocket> logger) : IHostedService, IDisposable
{
    /// <summary>Name of the control socket in LISTEN_FDNAMES (FileDescriptorName= in the .socket unit).</summary>
    public const string ActivationName = "control";

    /// <summary>systemd's default descriptor name: the socket unit's name.</summary>
    public const string SocketUnitName = "jumpstart-hostd.socket";

    private const int ListenBacklog = 64;

    private Socket? _listener;
    private bool _ownsPath;

    /// <summary>The listening socket; valid after start.</summary>
    public Socket Listener => _listener ?? throw new InvalidOperationException("the control socket has not been opened yet");

    /// <summary>The socket's file system path.</summary>
    public string Path { get; private set; } = string.Empty;

    /// <summary>True when systemd passed the socket (then systemd, not hostd, owns its file).</summary>
    public bool IsSocketActivated { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Path = settings.EffectiveControlSocketPath;
        _listener = activation.TakeSocket(ActivationName) ?? activation.TakeSocket(SocketUnitName);
        if (_listener is not null)
        {
            if (_listener.AddressFamily != AddressFamily.Unix || _listener.SocketType != SocketType.Stream)
            {
                throw new SystemdActivationException($"the '{ActivationName}' socket must be a unix stream socket, got {_listener.AddressFamily}/{_listener.SocketType}");
            }

            IsSocketActivated = true;
            if (_listener.LocalEndPoint is UnixDomainSocketEndPoint endPoint)
            {
                Path = endPoint.ToString();
            }

            LogActivated(logger, Path);
            return Task.CompletedTask;
        }

        _listener = Bind(settings);
        _ownsPath = true;
        LogBound(logger, Path, settings.ControlSocketMode);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _listener = null;
        if (_ownsPath)
        {
            _ownsPath = false;
            TryDelete(Path);
        }
    }

    private Socket Bind(HostdOptions settings)
    {
        _ = HostdOptionsValidator.TryParseMode(settings.ControlSocketMode, out var mode);
        RemoveStaleSocket(Path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(Path));
            // Permissions before listen(): until then a connect() is refused, so no client ever
            // reaches the socket while it still has the umask's mode.
            if (Syscall.chmod(Path, (FilePermissions)mode) != 0)
            {
                throw new IOException($"cannot set mode {settings.ControlSocketMode} on {Path}: {Stdlib.GetLastError()}");
            }
            if (!string.IsNullOrEmpty(settings.ControlSocketGroup))
            {
                SetGroup(Path, settings.ControlSocketGroup);
            }

            socket.Listen(ListenBacklog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            TryDelete(Path);
            throw;
        }
    }

    private static void RemoveStaleSocket(string path)
    {
        try
        {
            UnixSocketFile.RemoveIfStale(path);
        }
        catch (IOException ex) when (File.Exists(path) && !IsSocket(path))
        {
            throw new DaemonConfigurationException($"control socket path {path} exists and is not a socket; refusing to replace it", ex);
        }
        catch (IOException ex)
        {
            throw new DaemonStartupException($"another daemon is already serving {path}", ExitCodes.Unavailable, ex);
        }
    }

    private static bool IsSocket(string path)
        => Syscall.lstat(path, out var stat) == 0 && (stat.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFSOCK;

    private static void SetGroup(string path, string group)
    {
        uint gid;
        try
        {
            gid = checked((uint)new UnixGroupInfo(group).GroupId);
        }
        catch (ArgumentException ex)
        {
            throw new DaemonConfigurationException($"{HostdOptions.Section}:ControlSocketGroup '{group}' does not exist", ex);
        }

        if (Syscall.chown(path, uint.MaxValue, gid) != 0)
        {
            var errno = Stdlib.GetLastError();
            var message = $"cannot give {path} to group {group}: {errno}";
            throw errno is Errno.EPERM or Errno.EACCES ? new UnauthorizedAccessException(message) : new IOException(message);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(EventId = LogEventIds.HostdDaemon.Activated, Level = LogLevel.Information, Message = "control socket {Path} passed by systemd")]
    private static partial void LogActivated(ILogger logger, string path);

    [LoggerMessage(EventId = LogEventIds.HostdDaemon.Bound, Level = LogLevel.Information, Message = "control socket {Path} bound (mode {Mode})")]
    private static partial void LogBound(ILogger logger, string path, string mode);
}
