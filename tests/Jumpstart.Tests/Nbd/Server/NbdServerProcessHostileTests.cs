using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Jumpstart.Shared.Nbd.Protocol;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Sockets;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Nbd.Server;

/// <summary>
/// The attacks of issue 13 on the real image server (<c>jumpstart image serve</c>, the Release build): clients that
/// never read their replies, a flood of idle handshakes from one address, a flood beyond RLIMIT_NOFILE. Each asserts
/// the process stays alive with bounded memory and a real client (nbdcopy, nbdinfo) is served during and after.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class NbdServerProcessHostileTests(ITestOutputHelper output)
{
    private const string Export = "disk";
    private const long MiB = 1024 * 1024;

    /// <summary>Large enough for 32 MiB reads at seven offsets; sparse beyond <see cref="TestImage"/>'s pattern.</summary>
    private const long ImageSize = 256 * MiB;

    private const int RequestsPerAttacker = 200;

    /// <summary>Unread reply bytes waiting in each attacker's socket once the attack is at full height: the server is
    /// then blocked sending (its file's replies go out with sendfile and hold no memory of the server; before that
    /// each attacker held one 32 MiB reply, earlier two, and before the budgets 64 each, 4.2 GB).</summary>
    private const int AttackFloor = 64 * 1024;

    /// <summary>What the attack may add to the server's RSS (measured: about 135 MB; before the fix 4.2 GB).</summary>
    private const long AttackBound = 512 * MiB;

    /// <summary>How near its start the RSS must come back after the attackers close (before the fix: +2.9 GB 40 s later).</summary>
    private const long AfterSlack = 64 * MiB;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [ToolFact("nbdcopy")]
    public async Task ReadsWhoseRepliesAreNeverRead_OnTwoConnections_HoldBoundedMemory_ThatReturnsAfterTheyClose()
    {
        using var directory = new TempDirectory("nbd-hostile-reads");
        var image = directory.Combine("disk.raw");
        TestImage.Create(image);
        using (var file = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(ImageSize);
        }

        await using var server = await ImageServeProcess.StartAsync(image);
        await CopyAndCompareAsync(server, image, directory.Combine("warm-up.raw"));
        var before = ProcessMemory.RssBytes(server.Pid);

        var attackers = new List<RawNbdClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var attacker = await RawNbdClient.ConnectTcpAsync(server.Port);
                attackers.Add(attacker);
                await attacker.HandshakeAsync(Export);
            }

            var peak = await ProcessMemory.PeakRssWhileAsync(server.Pid, async () =>
            {
                foreach (var attacker in attackers)
                {
                    for (var i = 0; i < RequestsPerAttacker; i++)
                    {
                        await attacker.SendRequestAsync(NbdCommand.Read, (ulong)i, (ulong)(i % 7 * 32 * MiB), (uint)NbdLimits.MaxPayloadLength);
                    }
                }

                // The attack is at full height once the server holds what its budgets let it hold.
                await Poll.UntilAsync(() => attackers.All(a => a.Unread >= AttackFloor), s_bound, "replies piling up unread at both attackers");
                await CopyAndCompareAsync(server, image, directory.Combine("during.raw"));
            });
            output.WriteLine(Invariant($"RSS before {before / MiB} MiB, peak during the attack {peak / MiB} MiB"));
            Assert.True(peak - before < AttackBound, Invariant($"the attack added {(peak - before) / MiB} MiB (bound {AttackBound / MiB} MiB)"));
            Assert.True(server.IsAlive, "the server died during the attack");
        }
        finally
        {
            foreach (var attacker in attackers)
            {
                attacker.Abort();
                await attacker.DisposeAsync();
            }
        }

        var after = await Poll.ForAsync(
            () => ProcessMemory.RssBytes(server.Pid),
            rss => rss - before < AfterSlack,
            s_bound,
            "the server's RSS back near its start after the attackers closed",
            rss => Invariant($"{rss / MiB} MiB, started at {before / MiB} MiB"),
            TimeSpan.FromMilliseconds(250));
        output.WriteLine(Invariant($"RSS after the attackers closed: {after / MiB} MiB"));
        await CopyAndCompareAsync(server, image, directory.Combine("after.raw"));
        Assert.Equal(0, (await server.StopAsync()).ExitCode);
    }

    [ToolFact("nbdinfo")]
    public async Task IdleHandshakesFromOneAddress_TakeOnlyThatAddressesSlots_AndAnotherAddressIsServedMeanwhile()
    {
        using var directory = new TempDirectory("nbd-hostile-handshakes");
        var image = directory.Combine("disk.raw");
        TestImage.Create(image);
        await using var server = await ImageServeProcess.StartAsync(image);
        var flood = await server.OpenIdleAsync(IPAddress.Parse("127.0.0.2"), 4200);
        try
        {
            var (greeted, closed) = await SettleAsync(flood);
            output.WriteLine($"4200 idle connections from 127.0.0.2: {greeted} greeted, {closed} closed at once");
            Assert.InRange(greeted, 1, NbdServerOptions.DefaultMaxConnectionsPerSource);

            var held = TakeGreetings(flood);
            var result = await Requirements.RunToolAsync("nbdinfo", ["--size", server.Uri(Export)]);
            Assert.Equal(TestImage.Size.ToString(CultureInfo.InvariantCulture), result.StandardOutput.Trim());

            // Served while the flood still held its slots: none of them has reached the handshake timeout yet.
            Assert.Equal(held.Count, held.Count(IsOpen));
            Assert.True(server.IsAlive);
        }
        finally
        {
            ImageServeProcess.Close(flood);
        }

        await Requirements.RunToolAsync("nbdinfo", ["--size", server.Uri(Export)]);
        Assert.Equal(0, (await server.StopAsync()).ExitCode);
    }

    [ToolFact("nbdinfo", "prlimit")]
    public async Task AFloodBeyondRlimitNofile_IsRefusedAtAccept_AndTheServerLivesAndServesAfterIt()
    {
        const int DescriptorLimit = 256;
        using var directory = new TempDirectory("nbd-hostile-nofile");
        var image = directory.Combine("disk.raw");
        TestImage.Create(image);
        await using var server = await ImageServeProcess.StartAsync(image, DescriptorLimit);
        // The cap is what the process's shared descriptor budget holds: 256 less the descriptors open at start less
        // the reserve (ConnectionBudget), far below the 600 of the flood.
        var share = await Poll.ForAsync(
            () => Regex.Match(server.Output, @"NBD server accepts at most (\d+) connections") is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            cap => cap > 0,
            s_bound,
            "the lowered connection cap logged");
        Assert.InRange(share, 1, DescriptorLimit - ConnectionBudget.ReserveFor(DescriptorLimit));

        // Eight source addresses, so that the per-source cap does not hide the descriptor cap: 600 > 256 descriptors.
        var flood = new List<Socket>();
        try
        {
            for (var source = 2; source <= 9; source++)
            {
                flood.AddRange(await server.OpenIdleAsync(IPAddress.Parse($"127.0.0.{source}"), 75));
            }

            var (greeted, closed) = await SettleAsync(flood);
            output.WriteLine($"600 idle connections under RLIMIT_NOFILE {DescriptorLimit}: {greeted} greeted (cap {share}), {closed} closed at once");
            Assert.InRange(greeted, 1, share);
            Assert.True(server.IsAlive, "the server died during the flood: " + server.Output);
        }
        finally
        {
            ImageServeProcess.Close(flood);
        }

        await Poll.UntilAsync(
            async cancellationToken => (await ProcessRunner.RunAsync(Requirements.RequireTool("nbdinfo"), ["--size", server.Uri(Export)], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(10) }, cancellationToken)).Succeeded,
            s_bound,
            "nbdinfo served after the flood closed",
            TimeSpan.FromMilliseconds(200));
        var stopped = await server.StopAsync();
        Assert.Equal(0, stopped.ExitCode);
        Assert.DoesNotContain("Out of memory", stopped.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Waits until the server has answered every flood connection: greeted it (the 18-byte greeting is
    /// waiting to be read) or closed it at accept (end of stream).</summary>
    private static async Task<(int Greeted, int Closed)> SettleAsync(List<Socket> flood)
        => await Poll.ForAsync(
            () => (flood.Count(s => s.Available > 0), flood.Count(s => s.Available == 0 && s.Poll(0, SelectMode.SelectRead))),
            counts => counts.Item1 + counts.Item2 == flood.Count,
            s_bound,
            "the server greeting or closing every flood connection",
            counts => $"{counts.Item1} greeted, {counts.Item2} closed of {flood.Count}",
            TimeSpan.FromMilliseconds(100));

    /// <summary>Reads the greeting of every greeted connection and returns those; afterwards one the server closes
    /// becomes readable (end of stream) while an open one stays silent.</summary>
    private static List<Socket> TakeGreetings(List<Socket> flood)
    {
        var greeted = flood.Where(s => s.Available >= NbdGreetingLayout.Length).ToList();
        var greeting = new byte[NbdGreetingLayout.Length];
        foreach (var socket in greeted)
        {
            socket.Receive(greeting);
        }

        return greeted;
    }

    private static bool IsOpen(Socket socket) => !socket.Poll(0, SelectMode.SelectRead);

    private static async Task CopyAndCompareAsync(ImageServeProcess server, string image, string copy)
    {
        await Requirements.RunToolAsync("nbdcopy", [server.Uri(Export), copy]);
        Assert.Equal(await HashAsync(image), await HashAsync(copy));
        File.Delete(copy);
    }

    private static async Task<string> HashAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
