using System.Text.Json;
using Jumpstart.Hostd.Cli;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Processes;
using Jumpstart.Shared.Systemd;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Systemd;
using Jumpstart.Tests.Vm;
using Mono.Unix.Native;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>
/// hostd's image service as an operator uses it: the real jumpstart-hostd process, the <c>jumpstart image</c>
/// commands, and independent NBD clients (qemu-img, nbdinfo) and upstream servers (qemu-nbd).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class ImageServiceTests : IDisposable
{
    // Not a whole number of extents (a short last extent), but whole sectors: qemu-nbd rounds sizes up to 512.
    private const long ImageSize = (24L * TestImages.MiB) + 12288;
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromMinutes(2);

    private readonly List<NotifyListener> _listeners = [];

    [ToolFact("qemu-img", "nbdinfo")]
    public async Task AFileImage_IsServedOnTheUnixSocket_CountsReads_AndComesBackAfterARestart()
    {
        using var dir = new TempDirectory("imgsvc");
        var original = dir.Combine("base.raw");
        TestImages.CreateSparse(original, ImageSize);
        var socket = dir.Combine("run", "hostd.sock");
        await using (var hostd = await StartHostdAsync(dir))
        {
            var added = await CliAsync("image", "add", "base", "--file", original, "--description", "test base", "--socket", socket, "--json");
            Assert.True(added.Code == ExitCodes.Ok, added.Error);
            var info = JsonSerializer.Deserialize<ImageInfo>(added.Output, JsonSerializerOptions.Web)!;
            Assert.Equal((ImageSize, "file", true), (info.Size, info.Kind, info.Complete));
            Assert.Equal($"nbd+unix:///base?socket={dir.Combine("run", "nbd.sock")}", info.LocalUri);

            await AssertSameAsync(original, info.LocalUri!);
            var nbdinfo = await RunToolAsync("nbdinfo", "--json", info.LocalUri!);
            Assert.Contains("test base", nbdinfo, StringComparison.Ordinal);

            var stats = await StatsAsync(socket, "base");
            // qemu-img compare skips the holes that base:allocation reports, so it reads at least the data half.
            Assert.True(stats.Export!.Reads > 0 && stats.Export.BytesRead >= ImageSize / 2, $"reads {stats.Export.Reads}, bytes {stats.Export.BytesRead}");

            var again = await CliAsync("image", "add", "base", "--file", original, "--socket", socket);
            Assert.Equal(ExitCodes.Usage, again.Code);
            Assert.Contains("already exists", again.Error, StringComparison.Ordinal);
            Assert.Equal(0, (await hostd.StopAsync()).ExitCode);
        }

        await using (var restarted = await StartHostdAsync(dir))
        {
            var list = await ListAsync(socket);
            Assert.Equal(["base"], list.Select(i => i.Name));
            await AssertSameAsync(original, list[0].LocalUri!);
            Assert.Equal(ExitCodes.Ok, (await CliAsync("image", "remove", "base", "--socket", socket)).Code);
            Assert.Empty(await ListAsync(socket));
            Assert.Equal(ExitCodes.NoInput, (await CliAsync("image", "stats", "base", "--socket", socket)).Code);
        }
    }

    [ToolFact("qemu-img", "qemu-nbd")]
    public async Task APseudoImage_FetchesFromItsUpstream_SwitchesLive_AndFillsToAFullReplica()
    {
        using var dir = new TempDirectory("imgsvc");
        var original = dir.Combine("base.raw");
        TestImages.CreateSparse(original, ImageSize);
        await using var first = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, original, dir.Combine("up1.sock"));
        await using var second = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, original, dir.Combine("up2.sock"));
        var socket = dir.Combine("run", "hostd.sock");
        await using var hostd = await StartHostdAsync(dir);

        var added = await CliAsync("image", "add", "cache", "--upstream", first.Uri.ToString(), "--socket", socket, "--json");
        Assert.True(added.Code == ExitCodes.Ok, added.Error);
        var info = JsonSerializer.Deserialize<ImageInfo>(added.Output, JsonSerializerOptions.Web)!;
        Assert.Equal(("pseudo", 0L, false), (info.Kind, info.PresentBytes, info.Complete));

        // One 1 MiB-aligned read: exactly its extent is fetched and kept.
        await RunToolAsync("qemu-io", "-r", "-f", "raw", "-c", "read 3145728 4096", info.LocalUri!);
        var afterOne = await StatsAsync(socket, "cache");
        Assert.Equal(TestImages.MiB, afterOne.Image.PresentBytes);
        Assert.True(afterOne.Misses >= 1 && afterOne.BytesFetched == TestImages.MiB, $"misses {afterOne.Misses}, fetched {afterOne.BytesFetched}");

        var switched = await CliAsync("image", "switch", "cache", second.Uri.ToString(), "--socket", socket, "--json");
        Assert.True(switched.Code == ExitCodes.Ok, switched.Error);
        Assert.Equal(second.Uri.ToString(), JsonSerializer.Deserialize<ImageInfo>(switched.Output, JsonSerializerOptions.Web)!.ActiveUpstream);

        // The first replica is gone: everything still reads, from the second.
        await first.KillAsync();
        await AssertSameAsync(original, info.LocalUri!);

        var filled = await CliAsync("image", "fill", "cache", "--socket", socket, "--json");
        Assert.True(filled.Code == ExitCodes.Ok, filled.Error);
        var full = JsonSerializer.Deserialize<ImageInfo>(filled.Output, JsonSerializerOptions.Web)!;
        Assert.Equal((ImageSize, true), (full.PresentBytes, full.Complete));
    }

    [ToolFact("qemu-img", "qemu-nbd")]
    public async Task KillingHostdMidFill_KeepsWhatItHad_AndNeverServesABlockItDoesNotHold()
    {
        using var dir = new TempDirectory("imgsvc");
        var original = dir.Combine("base.raw");
        TestImages.CreateSparse(original, 64L * TestImages.MiB);
        await using var upstream = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, original, dir.Combine("up.sock"));
        var socket = dir.Combine("run", "hostd.sock");
        ImageInfo info;
        long presentBeforeKill;
        await using (var hostd = await StartHostdAsync(dir))
        {
            var added = await CliAsync("image", "add", "crash", "--upstream", upstream.Uri.ToString(), "--socket", socket, "--json");
            Assert.True(added.Code == ExitCodes.Ok, added.Error);
            info = JsonSerializer.Deserialize<ImageInfo>(added.Output, JsonSerializerOptions.Web)!;

            // A slow fill (8 MB/s: ~8 s for the image) from another process; kill hostd part-way.
            var fill = CliAsync("image", "fill", "crash", "--rate", "8MB/s", "--socket", socket);
            presentBeforeKill = await WaitForPresentAsync(socket, "crash", 10L * TestImages.MiB, TimeSpan.FromMinutes(1));
            await hostd.SignalAsync(Signum.SIGKILL);
            var killed = await hostd.WaitForExitAsync();
            Assert.NotEqual(0, killed.ExitCode);
            Assert.NotEqual(ExitCodes.Ok, (await fill).Code);
        }

        await using var restarted = await StartHostdAsync(dir);
        var reopened = (await ListAsync(socket)).Single();
        Assert.Null(reopened.Problem);
        // What was shown as present a moment before the kill may include extents the background committer had not
        // made durable yet (PseudoImageCache: "the cache may refetch a little"): at most about a second of the 8 MB/s
        // fill may be lost, never all of it.
        Assert.True(reopened.PresentBytes > 0 && reopened.PresentBytes >= presentBeforeKill - (8L * TestImages.MiB), $"had {presentBeforeKill} bytes before SIGKILL, {reopened.PresentBytes} after restart");
        Assert.False(reopened.Complete);

        // Every block the bitmap claims is the original's: read the whole image with the upstream gone for the
        // present extents' sake, then with it back for the rest.
        await AssertSameAsync(original, reopened.LocalUri!);
        var stats = await StatsAsync(socket, "crash");
        Assert.Equal(64L * TestImages.MiB - reopened.PresentBytes, stats.BytesFetched);
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task ATemplateOnAServedImage_ReadsItsBaseThroughHostd_AndSoDoItsClones()
    {
        using var dir = new TempDirectory("imgsvc");
        var socket = dir.Combine("run", "hostd.sock");
        await using var hostd = await StartHostdAsync(dir, """, "Vm": { "Accelerator": "tcg", "CloneConcurrency": 2 }""");
        var baseImage = dir.Combine("base.raw");
        await QemuImg.CreateAsync(baseImage, "raw", 8 << 20, CancellationToken.None);
        Assert.Equal(ExitCodes.Ok, (await CliAsync("image", "add", "root", "--file", baseImage, "--socket", socket)).Code);
        var spec = dir.Combine("vm.json");
        await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(VmTestBed.SeaBiosSpec(), VmSpecJson.Options));

        var created = await CliAsync("template", "create", "on-nbd", "--spec", spec, "--base", "root=image:root", "--socket", socket, "--json");
        Assert.True(created.Code == ExitCodes.Ok, created.Error);
        var bundle = JsonSerializer.Deserialize<BundleInfo>(created.Output, JsonSerializerOptions.Web)!;
        var backing = await RunToolAsync("qemu-img", "info", "--output=json", "-U", Path.Combine(bundle.Path, "disk-root.qcow2"));
        Assert.Contains("nbd+unix:///root?socket=", backing, StringComparison.Ordinal);
        var readsByTemplate = (await StatsAsync(socket, "root")).Export!.Reads;
        Assert.True(readsByTemplate > 0, "SeaBIOS read the boot sector through hostd");

        var clone = await CliAsync("clone", "--bundle", "on-nbd", "--count", "1", "--prefix", "nbd", "--no-network", "--socket", socket, "--json");
        Assert.True(clone.Code == ExitCodes.Ok, clone.Error);
        var stats = await StatsAsync(socket, "root");
        Assert.True(stats.Export!.Connections >= 1, "the running clone holds its base image open through hostd");
        Assert.Equal(ExitCodes.Ok, (await CliAsync("vm", "stop", "nbd-1", "--socket", socket)).Code);
    }

    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
    }

    private async Task<HostdUnderTest> StartHostdAsync(TempDirectory dir, string extraSections = "")
    {
        var listener = NotifyListener.AtPath(dir.Combine($"notify-{_listeners.Count}"));
        _listeners.Add(listener);
        var hostd = HostdUnderTest.Start(dir, $$"""{ "Hostd": { "NodeName": "hv-img" }{{extraSections}} }""", listener);
        await listener.WaitForAsync(SystemdNotifyMessage.ReadyKey, "1", HostdUnderTest.StepTimeout);
        return hostd;
    }

    private static Task<long> WaitForPresentAsync(string socket, string name, long atLeast, TimeSpan timeout)
        => Poll.ForAsync(
            async _ => (await ListAsync(socket)).Single(i => i.Name == name).PresentBytes,
            present => present >= atLeast,
            timeout,
            $"{atLeast} bytes of '{name}' present",
            interval: TimeSpan.FromMilliseconds(50));

    private static async Task AssertSameAsync(string original, string uri)
    {
        var result = await ProcessRunner.RunAsync("qemu-img", ["compare", "-f", "raw", "-F", "raw", original, uri], new ProcessRunOptions { Timeout = s_toolTimeout });
        Assert.True(result.ExitCode == 0, $"qemu-img compare {original} {uri}: {result.StandardOutput} {result.StandardError}");
    }

    private static async Task<string> RunToolAsync(string tool, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(tool, arguments, new ProcessRunOptions { Timeout = s_toolTimeout });
        Assert.True(result.Succeeded, $"{tool} {string.Join(' ', arguments)}: {result.StandardError}");
        return result.StandardOutput;
    }

    private static async Task<ImageStats> StatsAsync(string socket, string name)
    {
        var stats = await CliAsync("image", "stats", name, "--socket", socket, "--json");
        Assert.True(stats.Code == ExitCodes.Ok, stats.Error);
        return JsonSerializer.Deserialize<ImageStats>(stats.Output, JsonSerializerOptions.Web)!;
    }

    private static async Task<ImageInfo[]> ListAsync(string socket)
    {
        var list = await CliAsync("image", "list", "--socket", socket, "--json");
        Assert.True(list.Code == ExitCodes.Ok, list.Error);
        return JsonSerializer.Deserialize<ImageInfo[]>(list.Output, JsonSerializerOptions.Web)!;
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
