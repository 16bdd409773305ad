using System.Collections.Concurrent;
using System.Text.Json;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Metadata;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Metadata;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Mono.Unix.Native;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Guestd;

/// <summary>
/// The real <c>jumpstart-guestd</c> service against malformed discs (issue 13). Before the fix a disc with a
/// duplicate key or a list where a mapping belongs threw out of the watcher, the host stopped, and the process exited
/// 0, so systemd's Restart=on-failure never brought it back and the clone stayed unconfigured.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.GuestConfig)]
[Trait(Capabilities.Trait, Capabilities.Hostile)]
public sealed class GuestdHostileDiscTests(ITestOutputHelper output)
{
    private const string TemplateMac = "52:54:00:aa:13:01";
    private const string CloneMac = "52:54:00:cc:13:01";
    private const string Address = "10.88.13.5/24";

    /// <summary>guestd idles near 60-90 MB; reading a 1 MiB document and its limits must not take it past this.</summary>
    private const long MaxRssBytes = 250L * 1024 * 1024;

    /// <summary>Growth allowed from READY to after the good disc was applied (JIT of the apply path, caches).</summary>
    private const long MaxRssGrowthBytes = 80L * 1024 * 1024;

    private static readonly TimeSpan s_step = TimeSpan.FromSeconds(30);

    /// <summary>One of each: a shape error per format, a duplicate key, YAML 30,000 deep, an alias bomb.</summary>
    private static readonly string[] s_attacks =
    [
        "nocloud-meta-data-list", "jumpstart-duplicate-key", "configdrive-links-numbers", "nocloud-network-config-v2-nic-scalar",
        "nocloud-meta-data-deep", "nocloud-meta-data-alias-bomb", "configdrive-network-data-deep",
    ];

    [ToolFact("ip", "unshare", NeedsRoot = true)]
    public async Task Service_InANamespace_RejectsEachBadDisc_StaysAlive_AndConfiguresFromTheNextGoodOne()
    {
        using var temp = new TempDirectory("guestd-hostile");
        await using var ns = await NetworkNamespace.CreateAsync("hostile");
        await ns.IpAsync("link", "add", "eth0", "address", TemplateMac, "type", "veth", "peer", "name", "peer0");
        using var listener = NotifyListener.AtPath(temp.Combine("notify.sock"));
        var device = temp.Combine("sr0");
        var config = await WriteConfigAsync(temp, device, temp.Combine("state"));
        var log = new ConcurrentQueue<string>();
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = ProcessRunner.RunAsync(
            Requirements.RequireTool("ip"),
            ["netns", "exec", ns.Name, Requirements.RequireTool("unshare"), "--uts", "--", Guestd, "--config", config],
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromMinutes(3),
                Environment = new Dictionary<string, string?> { [SystemdEnvironment.NotifySocketVariable] = listener.Address },
                OnStarted = p => pid.TrySetResult(p),
                OnLine = line => log.Enqueue(line.Text),
            });
        await listener.WaitForAsync("READY", "1", s_step);
        var guestd = await pid.Task;
        var rssAtStart = ProcessMemory.RssBytes(guestd);

        var peak = await ProcessMemory.PeakRssWhileAsync(guestd, async () =>
        {
            foreach (var disc in s_attacks.Select(name => HostileMetadata.Discs.Single(d => d.Name == name)))
            {
                await ReplaceAtomicallyAsync(device, disc.Image());
                var status = await listener.WaitForAsync(
                    m => m.Get("STATUS") is { } s && s.Contains("rejected", StringComparison.Ordinal) && s.Contains(disc.Expected, StringComparison.Ordinal),
                    s_step,
                    $"STATUS rejecting {disc.Name}");
                output.WriteLine($"{disc.Name}: {status.Get("STATUS")}");
                Assert.False(exited.IsCompleted, $"guestd exited after {disc.Name}: {(exited.IsCompleted ? (await exited).StandardError : "")}");
            }
        });
        MetadataDisc.WriteFile(new CloneMetadata
        {
            InstanceId = "i-after-bad-discs",
            Hostname = "survivor",
            Interfaces = [new InterfaceConfig { MatchMac = TemplateMac, Mac = CloneMac, Addresses = [Address] }],
        }, device);
        await listener.WaitForAsync(m => m.Get("STATUS")?.Contains("instance i-after-bad-discs applied", StringComparison.Ordinal) == true, s_step, "STATUS after the good disc");
        var rssAfter = ProcessMemory.RssBytes(guestd);
        Assert.Equal(0, Syscall.kill(guestd, Signum.SIGTERM));
        var result = await exited.WaitAsync(s_step);

        output.WriteLine($"guestd RSS: {rssAtStart / 1048576} MB at READY, peak {peak / 1048576} MB during {s_attacks.Length} bad discs, {rssAfter / 1048576} MB after the good disc");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"inet {Address}", await ns.IpAsync("-o", "-4", "address", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Contains(CloneMac, await ns.IpAsync("-o", "link", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.Equal("survivor\n", await File.ReadAllTextAsync(temp.Combine("root", "etc", "hostname")));
        Assert.Equal(s_attacks.Length, log.Count(l => l.Contains("Rejected the disc in", StringComparison.Ordinal)));
        Assert.True(peak < MaxRssBytes, $"peak RSS {peak / 1048576} MB while rejecting discs, bound {MaxRssBytes / 1048576} MB");
        Assert.True(rssAfter - rssAtStart < MaxRssGrowthBytes, $"RSS grew from {rssAtStart / 1048576} MB to {rssAfter / 1048576} MB");
    }

    [ToolFact("unshare", NeedsRoot = true)]
    public async Task Service_WhoseWatcherFailsUnexpectedly_ExitsNonZero_SoSystemdRestartsIt()
    {
        using var temp = new TempDirectory("guestd-failure");
        using var listener = NotifyListener.Abstract();
        var device = temp.Combine("sr0");

        // The state directory cannot be made (a file is in the way): the apply path fails outside any step, an
        // exception the watcher does not expect, so its background service fails.
        await File.WriteAllTextAsync(temp.Combine("blocker"), "not a directory");
        var config = await WriteConfigAsync(temp, device, temp.Combine("blocker", "state"));
        MetadataDisc.WriteFile(new CloneMetadata { InstanceId = "i-doomed", Hostname = "doomed" }, device);

        var result = await ProcessRunner.RunAsync(
            Requirements.RequireTool("unshare"),
            ["--uts", "--", Guestd, "--config", config],
            new ProcessRunOptions
            {
                Timeout = TimeSpan.FromSeconds(90),
                Environment = new Dictionary<string, string?> { [SystemdEnvironment.NotifySocketVariable] = listener.Address },
            });

        output.WriteLine($"exit {result.ExitCode}: {result.StandardError.Split('\n').LastOrDefault(l => l.Length > 0)}");
        Assert.False(result.TimedOut, "guestd kept running after its watcher failed");
        Assert.Equal(ExitCodes.IoError, result.ExitCode);
        Assert.Contains("jumpstart-guestd: I/O error", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(listener.History, m => m.Get("STATUS")?.StartsWith("failed: ", StringComparison.Ordinal) == true);
        Assert.Null(InstanceMarker.Read(temp.Combine("blocker", "state")));
    }

    [Fact]
    public async Task Apply_WithEachHostileDisc_Exits65WithTheReason_AndChangesNothing()
    {
        using var temp = new TempDirectory("guestd-apply-hostile");
        var config = await WriteConfigAsync(temp, temp.Combine("unused"), temp.Combine("state"));
        foreach (var disc in HostileMetadata.Discs)
        {
            var image = temp.Combine(disc.Name + ".iso");
            await File.WriteAllBytesAsync(image, disc.Image());

            var result = await ProcessRunner.RunAsync(
                Guestd,
                ["apply", "--config", config, "--disc", image, "--state-dir", temp.Combine("state"), "--root", temp.Combine("root")],
                new ProcessRunOptions { Timeout = s_step });

            Assert.True(result.ExitCode == ExitCodes.DataError, $"{disc.Name}: exit {result.ExitCode}: {result.StandardError}");
            Assert.Contains($"jumpstart-guestd: read-disc failed: ", result.StandardError, StringComparison.Ordinal);
            Assert.Contains(disc.Expected, result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(temp.Combine("root")));
        Assert.Null(InstanceMarker.Read(temp.Combine("state")));
    }

    private static string Guestd => BuiltPrograms.Find("guestd/Programs/jumpstart-guestd", "jumpstart-guestd");

    private static async Task<string> WriteConfigAsync(TempDirectory temp, string device, string stateDirectory)
    {
        var config = temp.Combine("guestd.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Guestd = new { devices = new[] { device }, pollIntervalMs = 50, stateDirectory, root = temp.Combine("root") },
        }));
        return config;
    }

    /// <summary>Writes a disc image beside <paramref name="device"/> and renames it over, so a poll never reads half of it.</summary>
    private static async Task ReplaceAtomicallyAsync(string device, byte[] image)
    {
        var next = device + ".next";
        await File.WriteAllBytesAsync(next, image);
        File.Move(next, device, overwrite: true);
    }
}
