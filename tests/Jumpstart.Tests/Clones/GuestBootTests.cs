using System.Globalization;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Guestd;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Vm;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// The test guest, cold-booted under TCG with a metadata disc in its IDE CDROM and a tap on a bridge
/// in a namespace this test makes: guestd inside a real guest kernel applies the clone-uniqueness
/// checklist with the real ioctls, and the host side checks the result on the wire.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
[Collection(GuestVmsCollection.Name)]
public sealed class GuestBootTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string BridgeAddress = "10.88.0.1";
    private const string GuestAddress = "10.88.0.10";
    private const string TemplateMac = "52:54:00:aa:bb:01";
    private const string CloneMac = "52:54:00:c1:00:0a";
    private const string Tap = "jstap0";

    /// <summary>TCG on two shared cores: the kernel boots in ~10 s, guestd starts in a few more; leave room for a loaded machine.</summary>
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(4);

    /// <summary>RTC of a guest whose clock is years behind, as a long-stored template's would be.</summary>
    private static readonly DateTimeOffset s_staleRtc = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _temp = new("guest-boot");
    private NetworkNamespace? _ns;
    private GuestVm? _vm;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_vm is not null)
        {
            await _vm.DisposeAsync();
        }

        if (_ns is not null)
        {
            await _ns.DisposeAsync();
        }

        _temp.Dispose();
    }

    [ToolFact("qemu-system-x86_64", "ip", "ping", "zstd", "cpio", "depmod", NeedsRoot = true)]
    public async Task ColdBoot_WithAMetadataDisc_TakesTheNewMacIpHostnameMachineIdClockAndRng()
    {
        var guest = await TestGuest.GetAsync();
        _ns = await NetworkNamespace.CreateAsync("boot");
        await _ns.IpAsync("link", "add", "br0", "type", "bridge");
        await _ns.IpAsync("address", "add", BridgeAddress + "/24", "dev", "br0");
        await _ns.IpAsync("link", "set", "br0", "up");
        await _ns.IpAsync("tuntap", "add", "dev", Tap, "mode", "tap");
        await _ns.IpAsync("link", "set", Tap, "master", "br0", "up");
        var disc = _temp.Combine("clone.iso");
        var hostTime = DateTimeOffset.UtcNow;
        MetadataDisc.WriteFile(new CloneMetadata
        {
            InstanceId = "boot-test-1",
            Hostname = "clone-one",
            HostTime = hostTime,
            RandomSeed = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)),
            Interfaces =
            [
                new InterfaceConfig { MatchMac = TemplateMac, Mac = CloneMac, Addresses = [GuestAddress + "/24"], Gateway = BridgeAddress },
            ],
        }, disc);

        var boot = System.Diagnostics.Stopwatch.StartNew();
        _vm = GuestVm.Start(guest, new GuestVmOptions
        {
            Disc = disc, Tap = Tap, Mac = TemplateMac, NetworkNamespace = _ns.Name, RtcBase = s_staleRtc,
        });
        var configured = await _vm.WaitForMarkerAsync("configured", s_bootTimeout);
        var identity = await _vm.WaitForMarkerAsync("identity", TimeSpan.Zero);
        output.WriteLine($"cold boot + configure: {boot.Elapsed.TotalSeconds:0.0} s; guestd: disc -> configured {configured["total-ms"]} ms ({configured["steps"]})");

        Assert.Equal("boot-test-1", configured["instance"]);
        Assert.Equal("clone-one", configured["kernel-hostname"]);
        Assert.Equal(CloneMac, identity["macs"]);
        Assert.Equal("reseeded", identity["rng"]);
        Assert.Equal("64", identity["seed-bytes"]);
        Assert.Equal("set", identity["clock"]);
        Assert.Equal("disc", identity["clock-source"]);
        var step = TimeSpan.FromMilliseconds(long.Parse(identity["clock-step-ms"], CultureInfo.InvariantCulture));
        Assert.InRange(step, hostTime - s_staleRtc - TimeSpan.FromMinutes(10), hostTime - s_staleRtc + TimeSpan.FromMinutes(1));
        var templateId = _vm.SerialLog.Split('\n').Select(l => l.Split("machine-id=")).Where(p => p.Length == 2).Select(p => p[1].Split(' ')[0]).First();
        Assert.Matches("^[0-9a-f]{32}$", identity["machine-id"]);
        Assert.NotEqual(templateId, identity["machine-id"]);

        // On the wire: the host reaches the new address, and learned it at the clone's MAC.
        await Requirements.RunToolAsync("ip", ["netns", "exec", _ns.Name, "ping", "-c", "3", "-i", "0.3", "-W", "5", GuestAddress]);
        var neighbour = await _ns.IpAsync("neigh", "show", GuestAddress, "dev", "br0");
        Assert.Contains(CloneMac, neighbour, StringComparison.OrdinalIgnoreCase);
    }
}
