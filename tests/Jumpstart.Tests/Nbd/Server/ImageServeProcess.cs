using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Cli;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// The built <c>jumpstart image serve</c> as a real process on 127.0.0.1 (optionally under <c>prlimit</c>), for the
/// hostile-input tests: its pid (for RSS), its port, its stderr, and whether it is still alive.
/// </summary>
public sealed class ImageServeProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private readonly Task<ProcessResult> _run;
    private readonly List<string> _lines;

    private ImageServeProcess(Task<ProcessResult> run, List<string> lines, int pid, int port)
    {
        _run = run;
        _lines = lines;
        Pid = pid;
        Port = port;
    }

    public int Pid { get; }

    public int Port { get; }

    public string Uri(string export) => $"nbd://127.0.0.1:{Port}/{export}";

    /// <summary>Every line printed so far, stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>True while the process runs (it has neither exited nor been killed by a signal).</summary>
    public bool IsAlive => !_run.IsCompleted;

    /// <summary>Starts <c>jumpstart image serve --file <paramref name="image"/> --tcp 127.0.0.1:0</c>, under
    /// <c>prlimit --nofile=N</c> when <paramref name="descriptorLimit"/> is set, and waits for its listening line.</summary>
    public static async Task<ImageServeProcess> StartAsync(string image, int? descriptorLimit = null)
    {
        string[] serve = [BuiltPrograms.Cli, "image", "serve", "--file", image, "--tcp", "127.0.0.1:0"];
        var (program, arguments) = descriptorLimit is { } limit
            ? (Requirements.RequireTool("prlimit"), (string[])[$"--nofile={limit}", .. serve])
            : (serve[0], serve[1..]);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        var run = ProcessRunner.RunAsync(
            program,
            arguments,
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromMinutes(10),
                OnStarted = p => pid.TrySetResult(p),
                OnLine = line =>
                {
                    lock (lines)
                    {
                        lines.Add(line.Text);
                    }

                    if (!line.IsError && line.Text.StartsWith(ImageServe.ListeningPrefix, StringComparison.Ordinal))
                    {
                        listening.TrySetResult(line.Text[ImageServe.ListeningPrefix.Length..]);
                    }
                },
            });
        var first = await Task.WhenAny(listening.Task, run).WaitAsync(s_bound);
        if (first != listening.Task)
        {
            throw new InvalidOperationException("image serve exited before listening: " + (await run).StandardError);
        }

        // "nbd://127.0.0.1:PORT/NAME"
        var uri = new Uri(await listening.Task);
        return new ImageServeProcess(run, lines, await pid.Task, uri.Port);
    }

    /// <summary>Opens TCP connections to the server from <paramref name="source"/> and leaves them idle (no
    /// handshake); connections the server refuses are closed by it, the caller disposes all of them.</summary>
    public async Task<List<Socket>> OpenIdleAsync(IPAddress source, int count)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port)).WaitAsync(s_bound);
            }
        }
        catch
        {
            Close(sockets);
            throw;
        }

        return sockets;
    }

    public static void Close(IEnumerable<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    /// <summary>Stops the server with SIGTERM (a graceful stop) and returns how it ended.</summary>
    public async Task<ProcessResult> StopAsync()
    {
        if (IsAlive)
        {
            _ = Mono.Unix.Native.Syscall.kill(Pid, Mono.Unix.Native.Signum.SIGTERM);
        }

        return await _run.WaitAsync(s_bound);
    }

    public async ValueTask DisposeAsync()
    {
        if (IsAlive)
        {
            _ = Mono.Unix.Native.Syscall.kill(Pid, Mono.Unix.Native.Signum.SIGKILL);
        }

        try
        {
            await _run.WaitAsync(s_bound);
        }
        catch (TimeoutException)
        {
            // Reported by the test's own assertions; nothing more to clean.
        }
    }
}
