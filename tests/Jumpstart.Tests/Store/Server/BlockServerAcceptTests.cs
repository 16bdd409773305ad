using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Store.Protocol;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Store.Server;

/// <summary>
/// A real <c>jumpstart store serve</c> process whose accept fails with EMFILE (its open-files limit lowered with
/// <c>prlimit --pid</c> to the descriptors it already has): the server keeps accepting once descriptors are free.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Store)]
public sealed class BlockServerAcceptTests
{
    private const string Token = "token-of-the-fog-0123456789";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [ToolFact("prlimit")]
    public async Task Serve_AfterAnAcceptFailsWithTooManyOpenFiles_KeepsAccepting()
    {
        using var directory = new TempDirectory("block-accept");
        var tokens = directory.Combine("peers");
        await File.WriteAllTextAsync(tokens, $"fog {Token}\n");
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tooManyOpenFiles = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new ConcurrentQueue<string>();
        using var kill = new CancellationTokenSource();
        var run = ProcessRunner.RunAsync(
            StoreCluster.Jumpstart,
            ["store", "serve", "--listen", "127.0.0.1:0", "--dir", directory.Combine("blocks"), "--token-file", tokens],
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromMinutes(5),
                OnStarted = id => pid.TrySetResult(id),
                OnLine = line =>
                {
                    if (!line.IsError && line.Text.StartsWith(StoreCommands.ListeningPrefix, StringComparison.Ordinal))
                    {
                        listening.TrySetResult(line.Text[StoreCommands.ListeningPrefix.Length..]);
                    }
                    else if (line.IsError)
                    {
                        errors.Enqueue(line.Text);
                        if (line.Text.Contains("Too many open files", StringComparison.Ordinal))
                        {
                            tooManyOpenFiles.TrySetResult();
                        }
                    }
                },
            },
            kill.Token);
        try
        {
            var endPoint = IPEndPoint.Parse(await listening.Task.WaitAsync(s_bound));

            // One full round trip first, so whatever the server opens lazily for a connection already exists. The
            // connection stays open: a descriptor the server freed after the limit is set would be reused by accept.
            using var warm = await ConnectAsync(endPoint);
            Assert.Equal(BlockStatus.Ok, await HelloAsync(warm));

            var process = await pid.Task.WaitAsync(s_bound);
            var (soft, hard) = OpenFilesLimit(process);
            using var waiting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await SetOpenFilesLimitAsync(process, LowestFreeDescriptor(process), hard);
            try
            {
                // The kernel completes the handshake from the backlog; the server's accept4 fails with EMFILE.
                await waiting.ConnectAsync(endPoint).WaitAsync(s_bound);
                await tooManyOpenFiles.Task.WaitAsync(s_bound);
                Assert.Contains(errors, line => line.Contains("could not accept", StringComparison.Ordinal));
            }
            finally
            {
                await SetOpenFilesLimitAsync(process, soft, hard);
            }

            Assert.Equal(BlockStatus.Ok, await HelloAsync(waiting));
            using var later = await ConnectAsync(endPoint);
            Assert.Equal(BlockStatus.Ok, await HelloAsync(later));
            Assert.False(run.IsCompleted, "the block server exited");
        }
        finally
        {
            await kill.CancelAsync();
            try
            {
                await run.WaitAsync(s_bound);
            }
            catch (OperationCanceledException)
            {
                // Killed, as asked.
            }
        }
    }

    private static Task<Socket> ConnectAsync(IPEndPoint endPoint) => BlockWire.ConnectAsync(endPoint, null, CancellationToken.None).WaitAsync(s_bound);

    private static Task<BlockStatus?> HelloAsync(Socket socket) => BlockWire.HelloAsync(socket, Token, CancellationToken.None).WaitAsync(s_bound);

    /// <summary>The process's soft and hard RLIMIT_NOFILE, from /proc/PID/limits.</summary>
    private static (string Soft, string Hard) OpenFilesLimit(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (fields[0], fields[1]);
    }

    /// <summary>The descriptor number the process would get next: with the soft limit set to it, its next open fails.</summary>
    private static string LowestFreeDescriptor(int pid)
    {
        var open = Directory.GetFiles($"/proc/{pid}/fd").Select(f => int.Parse(Path.GetFileName(f), CultureInfo.InvariantCulture)).ToHashSet();
        var lowest = 0;
        while (open.Contains(lowest))
        {
            lowest++;
        }

        return lowest.ToString(CultureInfo.InvariantCulture);
    }

    private static Task SetOpenFilesLimitAsync(int pid, string soft, string hard)
        => Requirements.RunToolAsync("prlimit", ["--pid", pid.ToString(CultureInfo.InvariantCulture), $"--nofile={soft}:{hard}"]);
}
