using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.JsonRpc.Interop;

/// <summary>
/// Runs tests/interop/jsonrpc-peer.js: the npm package vscode-jsonrpc as an independent peer,
/// either as a client that calls our server or as a server our client calls.
/// </summary>
public sealed class VscodePeer : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _stop;
    private readonly Task<ProcessResult> _process;

    private VscodePeer(Task<ProcessResult> process, EndPoint endPoint, CancellationTokenSource stop)
    {
        _process = process;
        EndPoint = endPoint;
        _stop = stop;
    }

    /// <summary>Where the vscode-jsonrpc server listens.</summary>
    public EndPoint EndPoint { get; }

    public static string InteropDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "interop");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/interop not found above " + AppContext.BaseDirectory);
        }
    }

    private static string Script
    {
        get
        {
            var directory = InteropDirectory;
            if (!Directory.Exists(Path.Combine(directory, "node_modules", "vscode-jsonrpc")))
            {
                throw new InvalidOperationException($"vscode-jsonrpc is not installed in {directory}; run packaging/setup (npm ci)");
            }

            return Path.Combine(directory, "jsonrpc-peer.js");
        }
    }

    /// <summary>Runs the scripted vscode-jsonrpc client against <paramref name="address"/>; returns its results object.</summary>
    public static async Task<JsonElement> RunClientAsync(string transport, string address)
    {
        var result = await ProcessRunner.RunAsync(Requirements.RequireTool("node"), [Script, "client", transport, address], new ProcessRunOptions { Timeout = s_timeout });
        Assert.True(result.Succeeded, $"vscode-jsonrpc client failed ({result.ExitCode}, timed out: {result.TimedOut}): {result.StandardError}");
        var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    /// <summary>Starts the vscode-jsonrpc server; <paramref name="address"/> is a unix path or "127.0.0.1:0".</summary>
    public static async Task<VscodePeer> StartServerAsync(string transport, string address)
    {
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = new CancellationTokenSource();
        var options = new ProcessRunOptions
        {
            Timeout = s_timeout,
            OnLine = line =>
            {
                if (!line.IsError && line.Text.StartsWith("LISTENING ", StringComparison.Ordinal))
                {
                    listening.TrySetResult(line.Text["LISTENING ".Length..]);
                }
            },
        };
        var process = ProcessRunner.RunAsync(Requirements.RequireTool("node"), [Script, "server", transport, address], options, stop.Token);
        var first = await Task.WhenAny(listening.Task, process).WaitAsync(TimeSpan.FromSeconds(30));
        if (first != listening.Task)
        {
            var result = await process;
            throw new InvalidOperationException($"vscode-jsonrpc server exited before listening: {result.StandardError}");
        }

        var where = await listening.Task;
        EndPoint endPoint = transport == "unix"
            ? new UnixDomainSocketEndPoint(where)
            : new IPEndPoint(IPAddress.Loopback, int.Parse(where, System.Globalization.CultureInfo.InvariantCulture));
        return new VscodePeer(process, endPoint, stop);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _process.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // Killed, as asked.
        }

        _stop.Dispose();
    }
}
