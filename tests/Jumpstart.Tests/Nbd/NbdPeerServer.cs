using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;

namespace Jumpstart.Tests.Nbd;

/// <summary>
/// A real NBD server (qemu-nbd or nbdkit) exporting a file for one test, on a unix socket or on loopback TCP;
/// SIGKILLed on dispose.
/// </summary>
public sealed class NbdPeerServer : IAsyncDisposable
{
    public const string QemuNbd = "qemu-nbd";
    public const string Nbdkit = "nbdkit";
    public const string ExportName = "img";

    private static readonly TimeSpan s_maxLifetime = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(15);
    private readonly TaskCompletionSource<int> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<ProcessResult> _launcher;
    private readonly string? _pidFile;

    private NbdPeerServer(string tool, IEnumerable<string> arguments, NbdUri uri, string? pidFile)
    {
        Uri = uri;
        _pidFile = pidFile;
        if (pidFile is null)
        {
            _launcher = ProcessRunner.RunAsync(Requirements.RequireTool(tool), arguments, new ProcessRunOptions
            {
                Timeout = s_maxLifetime,
                OnStarted = pid => _pid.TrySetResult(pid),
            }, _stop.Token);
        }
        else
        {
            // nbdkit started directly by the test host was seen quitting on its own within ~100 ms now and then (exit 0
            // after its start-up, as on SIGTERM); never under strace or a shell that stays its parent. So a constant
            // shell script is its parent, and its own pid comes from --pidfile.
            _launcher = ProcessRunner.RunAsync("/bin/sh", ["-c", "\"$0\" \"$@\"; exit $?", Requirements.RequireTool(tool), .. arguments], new ProcessRunOptions
            {
                Timeout = s_maxLifetime,
            }, _stop.Token);
        }
    }

    /// <summary>Where clients connect.</summary>
    public NbdUri Uri { get; }

    /// <summary>Starts <paramref name="tool"/> exporting <paramref name="file"/> (read-only) and waits until it accepts connections.</summary>
    /// <param name="tool"><see cref="QemuNbd"/> or <see cref="Nbdkit"/>.</param>
    /// <param name="file">The raw image.</param>
    /// <param name="socketPath">A unix socket path, or null for loopback TCP on a free port.</param>
    /// <param name="extraArguments">More arguments: for nbdkit, flags (<c>--filter=delay</c>) go before the plugin and
    /// <c>key=value</c> parameters after it.</param>
    public static Task<NbdPeerServer> StartAsync(string tool, string file, string? socketPath, params string[] extraArguments)
        => StartAsync(tool, file, socketPath, readOnly: true, extraArguments);

    /// <summary>qemu-nbd exporting <paramref name="file"/> writable on a unix socket.</summary>
    public static Task<NbdPeerServer> StartWritableQemuNbdAsync(string file, string socketPath)
        => StartAsync(QemuNbd, file, socketPath, readOnly: false, []);

    /// <summary>SIGKILLs the server (connections drop without a goodbye) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        var pid = await _pid.Task.WaitAsync(s_startTimeout);
        _ = Syscall.kill(pid, Signum.SIGKILL);
        await _launcher.WaitAsync(s_startTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (_pid.Task.IsCompletedSuccessfully && !_launcher.IsCompleted)
        {
            await KillAsync();
        }

        await _stop.CancelAsync();
        try
        {
            await _launcher.WaitAsync(s_startTimeout);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>A TCP port free right now on loopback.</summary>
    public static int FreePort()
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task<NbdPeerServer> StartAsync(string tool, string file, string? socketPath, bool readOnly, string[] extraArguments)
    {
        var port = socketPath is null ? FreePort() : 0;
        var uri = socketPath is null ? NbdUri.ForTcp("127.0.0.1", port, ExportName) : NbdUri.ForUnix(socketPath, ExportName);
        var pidFile = tool == Nbdkit ? Path.Combine(Path.GetDirectoryName(file)!, $"nbdkit-{Guid.NewGuid():N}.pid") : null;
        List<string> arguments = tool == QemuNbd
            ? [.. ReadOnly(readOnly), "--persistent", "--shared=0", "--format=raw", "--export-name", ExportName, .. Listen(tool, socketPath, port), .. extraArguments, file]
            : ["--foreground", "--pidfile", pidFile!, .. ReadOnly(readOnly), .. Listen(tool, socketPath, port), .. extraArguments.Where(IsFlag), "file", file, .. extraArguments.Where(a => !IsFlag(a))];
        var server = new NbdPeerServer(tool, arguments, uri, pidFile);
        try
        {
            await server.WaitUntilListeningAsync(socketPath, port);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    private static bool IsFlag(string argument) => argument.StartsWith('-');

    private static string[] ReadOnly(bool readOnly) => readOnly ? ["--read-only"] : [];

    private static IEnumerable<string> Listen(string tool, string? socketPath, int port) => (tool, socketPath) switch
    {
        (QemuNbd, null) => ["--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)],
        (QemuNbd, _) => ["--socket", socketPath],
        (_, null) => ["--ipaddr", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)],
        _ => ["--unix", socketPath],
    };

    private Task WaitUntilListeningAsync(string? socketPath, int port)
        => Poll.UntilAsync(_ => ListeningAsync(socketPath, port), s_startTimeout, "the NBD server listening", TimeSpan.FromMilliseconds(50));

    /// <summary>Whether the server accepts connections and its pid is known; throws when it exited.</summary>
    private async Task<bool> ListeningAsync(string? socketPath, int port)
    {
        if (_pidFile is not null && !_pid.Task.IsCompleted && File.Exists(_pidFile)
            && int.TryParse(await File.ReadAllTextAsync(_pidFile), NumberStyles.Integer, CultureInfo.InvariantCulture, out var nbdkit))
        {
            _pid.TrySetResult(nbdkit);
        }

        if (_launcher.IsCompleted)
        {
            var result = await _launcher;
            throw new InvalidOperationException($"NBD server exited ({result.ExitCode}): {result.StandardError}");
        }

        try
        {
            using var socket = socketPath is null
                ? new Socket(SocketType.Stream, ProtocolType.Tcp)
                : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            EndPoint endPoint = socketPath is null ? new IPEndPoint(IPAddress.Loopback, port) : new UnixDomainSocketEndPoint(socketPath);
            await socket.ConnectAsync(endPoint);
            return _pid.Task.IsCompleted;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
