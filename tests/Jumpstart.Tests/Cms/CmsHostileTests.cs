using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Jumpstart.Guestd.Cms;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.JsonRpc.Interop;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Cms;

/// <summary>
/// Issue 13, item 4: peers that attack the real <c>jumpstart cms serve</c> over TCP. Each test states the memory or
/// descriptors the attack may cost, checks the process lives, and has a guest served during and after.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cms)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class CmsHostileTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint).WaitAsync(s_bound);
        return socket;
    }

    /// <summary>Sends a frame's header and the first <paramref name="bodyBytes"/> of its body; stops when the server closes.</summary>
    private static async Task SendPartAsync(Socket socket, int contentLength, int bodyBytes)
    {
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)' ');
        chunk[0] = (byte)'{';
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes($"Content-Length: {contentLength}\r\n\r\n"));
            for (var sent = 0; sent < bodyBytes;)
            {
                var count = Math.Min(chunk.Length, bodyBytes - sent);
                sent += await socket.SendAsync(chunk.AsMemory(0, count));
                chunk[0] = (byte)' ';
            }
        }
        catch (SocketException)
        {
            // The server closed the connection: what a refused peer sees.
        }
    }

    /// <summary>True once the server closed the connection (it reads as ended, or was reset); the attackers are sent nothing else.</summary>
    private static bool ClosedByServer(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static void CloseAll(List<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    /// <summary>Runs the paths the attacks run once, so their code is in memory before the first figure is taken.</summary>
    private static async Task WarmUpAsync(CmsProcess cms)
    {
        await cms.RegisterAsync("d1", 0, CancellationToken.None).WaitAsync(s_bound);
        using var oversized = await ConnectAsync(cms.EndPoint);
        await SendPartAsync(oversized, 64 * 1024 * 1024, 1024);
        await Poll.UntilAsync(() => ClosedByServer(oversized), s_bound, "the CMS closes a connection that claims 64 MiB");
    }

    private static Task<long> RssBackNearAsync(CmsProcess cms, long limit)
        => Poll.ForAsync(() => cms.RssBytes, rss => rss <= limit, TimeSpan.FromSeconds(45), $"CMS RSS back under {limit / MiB} MiB", rss => $"{rss / MiB} MiB", TimeSpan.FromMilliseconds(250));

    /// <summary>
    /// <paramref name="count"/> peers each send the header and the first <paramref name="sent"/> bytes of a
    /// <paramref name="claimed"/>-byte request and hold it while <paramref name="whileHeld"/> runs: the CMS's RSS must grow
    /// less than <paramref name="growthBound"/>, come back near its start once they close, and a guest is served after.
    /// </summary>
    private async Task HalfSentRequestsAsync(CmsProcess cms, int count, int claimed, int sent, long growthBound, Func<List<Socket>, Task> whileHeld)
    {
        await cms.CreateAsync("d1", 4);
        await WarmUpAsync(cms);
        var before = cms.RssBytes;
        var attackers = new List<Socket>();
        try
        {
            var peak = await ProcessMemory.PeakRssWhileAsync(cms.Pid, async () =>
            {
                for (var i = 0; i < count; i++)
                {
                    var socket = await ConnectAsync(cms.EndPoint);
                    attackers.Add(socket);
                    await SendPartAsync(socket, claimed, sent);
                }

                await whileHeld(attackers);
            });

            output.WriteLine($"rss_before_mib: {before / MiB}");
            output.WriteLine($"rss_peak_mib: {peak / MiB}");
            Assert.True(peak - before < growthBound, $"CMS RSS grew by {(peak - before) / MiB} MiB under {count} half-sent requests of {claimed} bytes (bound {growthBound / MiB} MiB)");
        }
        finally
        {
            CloseAll(attackers);
        }

        var after = await RssBackNearAsync(cms, before + (32 * MiB));
        output.WriteLine($"rss_after_mib: {after / MiB}");
        Assert.False(cms.HasExited);
        Assert.Equal("worker", (await cms.RegisterAsync("d1", 2, CancellationToken.None).WaitAsync(s_bound)).Role);
    }

    [Fact]
    public async Task SeventyTwoHalfSentSixteenMegabyteRequests_AreRefusedFromTheirHeader_AndMemoryStaysBounded()
    {
        const int Attackers = 72;
        const int Claimed = 16_000_000;
        const int Held = (int)(2 * 16 * MiB / Claimed); // what the 32 MiB budget for large bodies holds: 2

        // A long frame timeout: a connection closed during the attack was closed by the header check. 1.25 GB before the fix.
        await using var cms = await CmsProcess.StartAsync("cms-hostile-large", ["--frame-timeout-ms", "300000"]);
        await HalfSentRequestsAsync(cms, Attackers, Claimed, Claimed - 1, 72 * MiB, async attackers =>
        {
            await Poll.UntilAsync(() => attackers.Count(ClosedByServer) >= Attackers - Held, s_bound, "the CMS refuses the bodies its budget cannot hold");
            Assert.Equal(Held, attackers.Count(s => !ClosedByServer(s)));

            // A guest is served while two attackers hold the budget for large bodies.
            Assert.Equal("worker", (await cms.RegisterAsync("d1", 1, CancellationToken.None).WaitAsync(s_bound)).Role);
        });

        // Framing errors are logged at most once per 10 s with a count (JsonRpcPeer): the warm-up's refusal (64 MiB
        // claimed) is the line of this interval, and the attack's 70 refusals are held back into the next one.
        await Poll.UntilAsync(() => cms.Log.Contains("JSON-RPC framing error, closing the connection: Content-Length", StringComparison.Ordinal), s_bound, "the CMS logs a refused body");
        Assert.True(cms.Log.Split('\n').Count(l => l.Contains("JSON-RPC framing error", StringComparison.Ordinal)) < Attackers, "one framing-error line per refused body");
    }

    [Fact]
    public async Task AThousandHalfSentSmallRequests_HoldBoundedMemory_AndAreCutByTheFrameTimeout()
    {
        await using var cms = await CmsProcess.StartAsync("cms-hostile-small", ["--frame-timeout-ms", "4000"]);
        await HalfSentRequestsAsync(cms, 1000, 64 * 1024, 60 * 1024, 192 * MiB, async attackers =>
        {
            // A guest is served while the attackers hold their unfinished requests.
            Assert.Equal("worker", (await cms.RegisterAsync("d1", 1, CancellationToken.None).WaitAsync(s_bound)).Role);
            await Poll.UntilAsync(() => attackers.All(ClosedByServer), s_bound, "the CMS cuts every unfinished request at its frame timeout");
        });

        await Poll.UntilAsync(() => cms.Log.Contains("JSON-RPC peer sent no complete", StringComparison.Ordinal), s_bound, "the CMS logs the cut connections");
    }

    [Fact]
    public async Task ConnectionsOverTheCap_AreClosedAtAccept_AndAGuestIsServedOnceOneLeaves()
    {
        const int Cap = 4;
        await using var cms = await CmsProcess.StartAsync("cms-hostile-cap", ["--max-connections", $"{Cap}", "--frame-timeout-ms", "300000"]);
        var listenerOnly = cms.OpenSockets;
        await cms.CreateAsync("d1", 4);
        await Poll.UntilAsync(() => cms.OpenSockets == listenerOnly, s_bound, "the CMS closes the admin connection");
        var attackers = new List<Socket>();
        try
        {
            for (var i = 0; i <= Cap; i++)
            {
                attackers.Add(await ConnectAsync(cms.EndPoint));
            }

            // The one over the cap is closed as it is accepted; the others hold their places (the frame timeout is long).
            await Poll.UntilAsync(() => ClosedByServer(attackers[Cap]), s_bound, "the CMS closes the connection over its cap");
            Assert.All(attackers.Take(Cap), s => Assert.False(ClosedByServer(s)));
            await Poll.UntilAsync(() => cms.Log.Contains($"refused a connection: {Cap} connections are open (the cap)", StringComparison.Ordinal), s_bound, "the CMS logs the refusal");

            attackers[0].Dispose();
            var served = await Poll.ForAsync(
                async ct =>
                {
                    try
                    {
                        return (await cms.RegisterAsync("d1", 0, ct)).Role;
                    }
                    catch (Exception ex) when (ex is StreamJsonRpc.ConnectionLostException or IOException or SocketException)
                    {
                        return null;
                    }
                },
                role => role is not null,
                s_bound,
                "a guest is served once an attacker leaves");
            Assert.Equal("master", served);
        }
        finally
        {
            CloseAll(attackers);
        }
    }

    [Fact]
    public async Task SilentSlowAndIdleConnections_AreClosedAfterTheConfiguredTimeouts_WhileAGuestIsServed()
    {
        // Short enough for a test, long enough that a loaded machine still gets a request across in time.
        const int FrameTimeoutMs = 3000;
        const int IdleTimeoutMs = 5000;
        await using var cms = await CmsProcess.StartAsync("cms-hostile-timeouts", ["--frame-timeout-ms", $"{FrameTimeoutMs}", "--idle-timeout-ms", $"{IdleTimeoutMs}"]);
        await cms.CreateAsync("d1", 4);

        // Connects and says nothing: closed once the first request is overdue.
        var silentClock = Stopwatch.StartNew();
        using var silent = await ConnectAsync(cms.EndPoint);

        // A header sent a byte at a time, far below the header limit: only the frame timeout ends it.
        using var slow = await ConnectAsync(cms.EndPoint);
        await slow.SendAsync("Content-Length: 10\r\n"u8.ToArray());
        var sent = 0;
        while (!ClosedByServer(slow) && sent < 400)
        {
            try
            {
                await slow.SendAsync("X"u8.ToArray());
            }
            catch (SocketException)
            {
                break;
            }

            sent++;
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        Assert.True(sent < 400, "the slow header was never cut off");
        await Poll.UntilAsync(() => ClosedByServer(silent), s_bound, "the CMS closes a connection that never sends a request");
        Assert.True(silentClock.ElapsedMilliseconds >= FrameTimeoutMs, $"the silent connection was closed after {silentClock.ElapsedMilliseconds} ms, before the frame timeout");

        // A guest served on a connection that then sits idle: closed after the idle timeout, not before.
        await using var guest = await Jumpstart.Shared.JsonRpc.JsonRpcClient.ConnectAsync(cms.EndPoint).WaitAsync(s_bound);
        Assert.Equal("master", (await guest.InvokeAsync<RoleAssignment>(CmsMethods.Register, CmsTestBed.Register("d1", 0)).WaitAsync(s_bound)).Role);
        var idleClock = Stopwatch.StartNew();
        await guest.Completion.ContinueWith(static _ => { }, TaskScheduler.Default).WaitAsync(s_bound);
        Assert.True(idleClock.ElapsedMilliseconds >= IdleTimeoutMs - 250, $"the idle connection was closed after {idleClock.ElapsedMilliseconds} ms, before the idle timeout");

        Assert.Equal("worker", (await cms.RegisterAsync("d1", 1, CancellationToken.None).WaitAsync(s_bound)).Role);
        Assert.False(cms.HasExited);
        await Poll.UntilAsync(() => cms.Log.Contains("no complete first frame within 3 s", StringComparison.Ordinal), s_bound, "the CMS logs the silent connection");
    }

    [Fact]
    public async Task AFloodOfBadFrames_LogsOneFramingErrorLinePerIntervalWithACount_AndAGuestIsServedAfter()
    {
        const int Flood = 300;
        await using var cms = await CmsProcess.StartAsync("cms-hostile-frames", []);
        await cms.CreateAsync("d1", 2);
        var bad = Encoding.ASCII.GetBytes("Content-Length: lots\r\n\r\n");
        for (var i = 0; i < Flood; i++)
        {
            using var socket = await ConnectAsync(cms.EndPoint);
            await socket.SendAsync(bad);
            await Poll.UntilAsync(() => ClosedByServer(socket), s_bound, "the CMS closes a connection that sent a bad frame");
        }

        Assert.False(cms.HasExited);
        Assert.Equal("master", (await cms.RegisterAsync("d1", 0, CancellationToken.None).WaitAsync(s_bound)).Role);
        var lines = cms.Log.Split('\n').Count(l => l.Contains("JSON-RPC framing error", StringComparison.Ordinal));
        output.WriteLine($"framing_error_lines: {lines} for {Flood} bad frames");

        // One line per 10 s (the flood may straddle an interval boundary or two on a loaded machine), not one per frame.
        Assert.InRange(lines, 1, 5);
    }

    [ToolFact("prlimit", "node")]
    public async Task DescriptorFlood_UnderANofileLimitOf256_IsRefused_AndTheCmsLivesAndServes()
    {
        const int Limit = 256;
        const int Flood = 400;
        await using var cms = await CmsProcess.StartAsync("cms-hostile-nofile", ["--frame-timeout-ms", "5000"], nofile: Limit);
        await cms.CreateAsync("d1", 2);
        await Poll.UntilAsync(() => cms.Log.Contains("lowered because the process's connections may hold", StringComparison.Ordinal), s_bound, "the CMS logs its lowered cap");

        var attackers = new List<Socket>();
        var mostOpen = cms.OpenDescriptors;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested && !cms.HasExited)
            {
                mostOpen = Math.Max(mostOpen, cms.OpenDescriptors);
                await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
            }
        });
        try
        {
            for (var i = 0; i < Flood; i++)
            {
                attackers.Add(await ConnectAsync(cms.EndPoint));
            }

            // During the flood (its sockets still open): the admitted ones are cut at the first-frame timeout, and
            // a guest (guestd's own client, which retries as guests do) gets a place.
            await using var client = new CmsClient(
                new CmsEndpoint { Host = "127.0.0.1", Port = cms.EndPoint.Port, Token = CmsTestBed.TokenOf("d1", 1) },
                new CmsRetryPolicy { Budget = s_bound },
                NullLogger<CmsClient>.Instance);
            var during = await client.RegisterAsync(CmsTestBed.Register("d1", 1), CancellationToken.None).WaitAsync(s_bound);
            await client.ReportAsync(
                new ReportRequest { DeploymentId = "d1", InstanceId = CmsTestBed.InstanceId(1), Token = CmsTestBed.TokenOf("d1", 1), Phase = InstancePhase.Ready },
                CancellationToken.None).WaitAsync(s_bound);
            Assert.Equal("master", during.Role);
            Assert.False(cms.HasExited, "the CMS died under the flood: " + cms.Log);
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
            CloseAll(attackers);
        }

        output.WriteLine($"most_descriptors_open: {mostOpen} of {Limit}");
        Assert.True(mostOpen < Limit, $"the CMS held {mostOpen} descriptors of {Limit}");

        // After: a guest of another make (vscode-jsonrpc) registers, reports and waits.
        var script = Path.Combine(VscodePeer.InteropDirectory, "cms-guest.js");
        Assert.True(Directory.Exists(Path.Combine(VscodePeer.InteropDirectory, "node_modules", "vscode-jsonrpc")), "run packaging/setup (npm ci in tests/interop)");
        var result = await ProcessRunner.RunAsync(
            Requirements.RequireTool("node"),
            [script, cms.EndPoint.ToString(), "d1", CmsTestBed.InstanceId(0), CmsTestBed.TokenOf("d1", 0), CmsTestBed.InstanceId(1)],
            new ProcessRunOptions { Timeout = s_bound });
        Assert.True(result.Succeeded, $"node guest failed ({result.ExitCode}, timed out: {result.TimedOut}): {result.StandardError}");
        using var document = JsonDocument.Parse(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal("worker", document.RootElement.GetProperty("register").GetProperty("role").GetString());
        Assert.True(document.RootElement.GetProperty("wait").GetProperty("satisfied").GetBoolean());

        Assert.False(cms.HasExited);
        Assert.DoesNotContain("Out of memory", cms.Log, StringComparison.Ordinal);
        await Poll.UntilAsync(() => cms.Log.Contains("JSON-RPC server refused a connection", StringComparison.Ordinal), s_bound, "the CMS logs the refused connections");
    }
}
