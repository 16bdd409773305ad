using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mono.Unix.Native;

namespace Jumpstart.Bench.Nbd;

/// <summary>
/// One NBD server under test (ours, qemu-nbd or nbdkit), started with an argument vector and stopped
/// with SIGTERM. A constant <c>sh</c> stays its parent (nbdkit started directly by a .NET parent was
/// seen quitting right after start-up now and then; see tests/Jumpstart.Tests/Nbd/NbdPeerServer.cs),
/// so the server's own pid comes from its pid file.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _shell;
    private readonly string _pidFile;
    private readonly string _logFile;

    private ServerProcess(Process shell, string pidFile, string logFile)
    {
        _shell = shell;
        _pidFile = pidFile;
        _logFile = logFile;
    }

    /// <summary>
    /// Starts <paramref name="program"/>; <paramref name="pidFileArguments"/> turns the pid file path into the
    /// program's own option for it (null: the shell execs the program, so the shell's pid is the server's).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string workDirectory,
        string program,
        IEnumerable<string> arguments,
        Func<string, IEnumerable<string>>? pidFileArguments,
        EndPoint readyWhenConnectable,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var pidFile = Path.Combine(workDirectory, $"server-{id}.pid");
        var logFile = Path.Combine(workDirectory, $"server-{id}.log");
        var script = pidFileArguments is null
            ? "echo $$ > \"$PIDFILE\"; exec \"$0\" \"$@\" > \"$LOGFILE\" 2>&1"
            : "\"$0\" \"$@\" > \"$LOGFILE\" 2>&1; exit $?";
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in (string[])["-c", script, program, .. arguments, .. pidFileArguments?.Invoke(pidFile) ?? []])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PIDFILE"] = pidFile;
        start.Environment["LOGFILE"] = logFile;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var shell = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var server = new ServerProcess(shell, pidFile, logFile);
        try
        {
            await server.WaitUntilConnectableAsync(program, readyWhenConnectable);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The server's log (its stdout and stderr).</summary>
    public string Log => File.Exists(_logFile) ? File.ReadAllText(_logFile) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        if (!_shell.HasExited && TryReadPid(out var pid))
        {
            _ = Syscall.kill(pid, Signum.SIGTERM);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _shell.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            if (TryReadPid(out var stuck))
            {
                _ = Syscall.kill(stuck, Signum.SIGKILL);
            }

            _shell.Kill();
            await _shell.WaitForExitAsync(CancellationToken.None);
        }

        _shell.Dispose();
    }

    private bool TryReadPid(out int pid)
    {
        pid = 0;
        try
        {
            return File.Exists(_pidFile)
                && int.TryParse(File.ReadAllText(_pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out pid)
                && pid > 1;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task WaitUntilConnectableAsync(string program, EndPoint endPoint)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_shell.HasExited)
            {
                throw new InvalidOperationException($"{Path.GetFileName(program)} exited ({_shell.ExitCode}) at start: {Log.Trim()}");
            }

            if (TryReadPid(out _))
            {
                try
                {
                    using var socket = endPoint is UnixDomainSocketEndPoint
                        ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                        : new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(endPoint);
                    return;
                }
                catch (SocketException) when (deadline.Elapsed < s_startTimeout)
                {
                    // Not listening yet.
                }
            }

            if (deadline.Elapsed >= s_startTimeout)
            {
                throw new TimeoutException($"{Path.GetFileName(program)} did not listen on {endPoint} within {s_startTimeout.TotalSeconds:0} s: {Log.Trim()}");
            }

            await Task.Delay(20);
        }
    }
}
