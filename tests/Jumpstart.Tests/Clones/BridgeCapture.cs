using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// A packet capture on the namespace's bridge with tcpdump (the oracle: a real tool, not our own
/// parser). Frames go to a pcap file; <see cref="StopAsync"/> ends the capture and reads the file
/// back with <c>tcpdump -r -e</c> to list every frame's source MAC.
/// </summary>
public sealed partial class BridgeCapture : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan s_maxLifetime = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(20);

    private readonly TaskCompletionSource<int> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Task<ProcessResult> _run;
    private readonly string _file;

    private BridgeCapture(IReadOnlyList<string> execPrefix, string interfaceName, string file)
    {
        _file = file;
        // --immediate-mode hands tcpdump each packet as it comes (without it the kernel passes a block of packets up to a
        // second late, and the block open when tcpdump is stopped is lost) and -U writes each packet at once, so the file
        // holds every frame until the stop; -B 16 MiB of kernel buffer (the default is 2), so a burst on a loaded machine
        // is not dropped before tcpdump reads it (a 6 MiB multicast lost about a tenth of its frames in a full run).
        _run = ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            [.. execPrefix, Requirements.RequireTool("tcpdump"), "-i", interfaceName, "-n", "--immediate-mode", "-U", "-B", "16384", "-w", file],
            new ProcessRunOptions
            {
                Timeout = s_maxLifetime,
                OnStarted = pid => _pid.TrySetResult(pid),
                OnLine = line =>
                {
                    _stderr.Enqueue(line.Text);
                    if (line.Text.Contains("listening on", StringComparison.Ordinal))
                    {
                        _listening.TrySetResult();
                    }
                },
            });
    }

    /// <summary>Starts capturing on <paramref name="interfaceName"/> and returns once tcpdump says it is listening.</summary>
    public static Task<BridgeCapture> StartAsync(CloneNetwork network, string file, string interfaceName = CloneNetwork.BridgeName)
        => StartAsync(network.ExecPrefix, file, interfaceName);

    /// <summary>Starts capturing on <paramref name="interfaceName"/> in the namespace <c>ip <paramref name="execPrefix"/></c> runs in.</summary>
    public static async Task<BridgeCapture> StartAsync(IReadOnlyList<string> execPrefix, string file, string interfaceName)
    {
        var capture = new BridgeCapture(execPrefix, interfaceName, file);
        var first = await Task.WhenAny(capture._listening.Task, capture._run, Task.Delay(s_startTimeout));
        if (first != capture._listening.Task)
        {
            await capture.DisposeAsync();
            throw new InvalidOperationException($"tcpdump did not start listening on {interfaceName}: {string.Join('\n', capture._stderr)}");
        }

        return capture;
    }

    /// <summary>Stops the capture (SIGINT, so tcpdump flushes and closes the file) and returns every frame's source MAC.</summary>
    public async Task<IReadOnlyList<CapturedFrame>> StopAsync()
    {
        _ = Syscall.kill(await _pid.Task, Signum.SIGINT);
        await _run.WaitAsync(s_stopTimeout);
        var read = await Requirements.RunToolAsync("tcpdump", ["-r", _file, "-e", "-n", "-tt"]);
        return [.. read.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).OfType<CapturedFrame>()];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_run.IsCompleted && _pid.Task.IsCompletedSuccessfully)
        {
            _ = Syscall.kill(await _pid.Task, Signum.SIGKILL);
        }

        try
        {
            await _run.WaitAsync(s_stopTimeout);
        }
        catch (TimeoutException)
        {
            // The runner's own lifetime bound kills it.
        }
    }

    // tcpdump -e -n -tt: "1700000000.123456 52:54:00:12:34:56 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: ..."
    private static CapturedFrame? Parse(string line)
    {
        var match = FrameLine().Match(line);
        return match.Success ? new CapturedFrame(match.Groups["src"].Value.ToLowerInvariant(), match.Groups["dst"].Value.ToLowerInvariant(), line) : null;
    }

    [GeneratedRegex(@"^\S+\s+(?<src>[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\s+>\s+(?<dst>[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})")]
    private static partial Regex FrameLine();
}
