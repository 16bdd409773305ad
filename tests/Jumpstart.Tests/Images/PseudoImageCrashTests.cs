using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>
/// Crash consistency of a pseudo image's cache with the real <c>jumpstart</c> program: SIGKILL in the middle of a fill,
/// restart as <c>jumpstart image serve</c>, copy through it with nbdcopy and compare with the original.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class PseudoImageCrashTests
{
    private const long ImageSize = 32L * TestImages.MiB;
    private const int Extent = 256 * 1024;
    private const int BitmapOffset = 4096;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static string Jumpstart => BuiltPrograms.Cli;

    [ToolFact(NbdPeerServer.QemuNbd, "nbdcopy", "qemu-img")]
    public async Task SigkillMidFill_ThenRestart_ServesTheOriginal_AndEveryPresentExtentMatchesIt()
    {
        using var dir = new TempDirectory("pseudo-crash");
        var content = new byte[ImageSize];
        new Random(13).NextBytes(content);
        await File.WriteAllBytesAsync(dir.Combine("image.raw"), content);
        await using var upstream = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, dir.Combine("image.raw"), dir.Combine("upstream.sock"));
        var cache = dir.Combine("cache");
        string[] pseudo = ["--upstream", upstream.Uri.ToString(), "--cache", cache, "--extent-size", Extent.ToString(System.Globalization.CultureInfo.InvariantCulture)];

        // A rate-limited fill (32 MiB at 8 MB/s: ~4 s) killed once part of the bitmap is on disk.
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fill = ProcessRunner.RunAsync(Jumpstart, ["image", "fill", .. pseudo, "--rate", "8"], new ProcessRunOptions { Timeout = s_timeout, OnStarted = pid.SetResult });
        await Poll.UntilAsync(
            async _ => fill.IsCompleted
                ? throw new InvalidOperationException($"the fill ended before it was killed: {(await fill).StandardError}")
                : PresentExtents(cache).Count >= 8,
            s_timeout,
            "8 extents durable in the cache's bitmap");

        Assert.Equal(0, Syscall.kill(await pid.Task.WaitAsync(s_timeout), Signum.SIGKILL));
        var killed = await fill.WaitAsync(s_timeout);
        Assert.NotEqual(0, killed.ExitCode);

        var present = PresentExtents(cache);
        Assert.InRange(present.Count, 8, (int)(ImageSize / Extent) - 1);
        AssertPresentExtentsMatch(cache, content, present);

        // Restart as a server; the copy through it must equal the original and only missing extents are fetched.
        var socket = dir.Combine("pseudo.sock");
        var servePid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serve = ProcessRunner.RunAsync(Jumpstart, ["image", "serve", .. pseudo, "--unix", socket], new ProcessRunOptions
        {
            Timeout = s_timeout,
            OnStarted = servePid.SetResult,
            OnLine = line =>
            {
                if (line.Text.StartsWith("listening: ", StringComparison.Ordinal))
                {
                    listening.TrySetResult();
                }
            },
        });
        try
        {
            await listening.Task.WaitAsync(s_timeout);
            var copy = dir.Combine("copy.raw");
            await Requirements.RunToolAsync("nbdcopy", [NbdUri.ForUnix(socket, "img").ToString(), copy]);
            await Requirements.RunToolAsync("qemu-img", ["compare", "-f", "raw", "-F", "raw", dir.Combine("image.raw"), copy]);
        }
        finally
        {
            _ = Syscall.kill(await servePid.Task.WaitAsync(s_timeout), Signum.SIGTERM);
        }

        // SIGTERM: the server stops and prints its status; what was present before the crash was not fetched again.
        var served = await serve.WaitAsync(s_timeout);
        Assert.Equal(0, served.ExitCode);
        var fetched = ImageSize - (present.Count * (long)Extent);
        Assert.Contains($", {fetched} bytes fetched from ", served.StandardOutput, StringComparison.Ordinal);

        AssertPresentExtentsMatch(cache, content, PresentExtents(cache));
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(cache, "data")));
    }

    /// <summary>Extents whose bit is set in the on-disk bitmap (what a restart would trust).</summary>
    private static List<long> PresentExtents(string cache)
    {
        var path = Path.Combine(cache, "present");
        if (!File.Exists(path))
        {
            return [];
        }

        var bitmap = File.ReadAllBytes(path).AsSpan(BitmapOffset);
        var present = new List<long>();
        for (long extent = 0; extent < ImageSize / Extent; extent++)
        {
            if ((bitmap[(int)(extent >> 3)] & (1 << (int)(extent & 7))) != 0)
            {
                present.Add(extent);
            }
        }

        return present;
    }

    private static void AssertPresentExtentsMatch(string cache, byte[] content, List<long> present)
    {
        var data = File.ReadAllBytes(Path.Combine(cache, "data"));
        foreach (var extent in present)
        {
            var start = (int)(extent * Extent);
            Assert.True(data.AsSpan(start, Extent).SequenceEqual(content.AsSpan(start, Extent)), $"extent {extent} is marked present but its data differs");
        }
    }
}
