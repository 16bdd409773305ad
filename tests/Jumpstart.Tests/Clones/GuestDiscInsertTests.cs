using System.Diagnostics;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Jumpstart.Tests.Vm;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// guestd inside the running test guest sees discs inserted over QMP (<c>blockdev-change-medium</c>,
/// as hostd does after a resume) through its CDROM ioctl polling: a warm-up disc runs without
/// changing the identity, then the clone's disc configures the guest.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
[Collection(GuestVmsCollection.Name)]
public sealed class GuestDiscInsertTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string TemplateMac = "52:54:00:aa:cc:01";
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Generous for TCG on a shared machine; the measured figure is printed, the target lives in the benchmark.</summary>
    private static readonly TimeSpan s_reactionTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _temp = new("guest-insert");
    private GuestVm? _vm;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_vm is not null)
        {
            await _vm.DisposeAsync();
        }

        _temp.Dispose();
    }

    [ToolFact("qemu-system-x86_64", "zstd", "cpio", "depmod", NeedsRoot = true)]
    public async Task InsertedDiscs_WarmUpChangesNothing_ThenTheClonesDiscConfiguresIt()
    {
        var guest = await TestGuest.GetAsync();
        var warmUp = Disc("template-warm-up", "template", TemplateMac) with { Warmup = true };
        var clone = Disc("insert-test-1", "clone-two", "52:54:00:c2:00:02");
        MetadataDisc.WriteFile(warmUp, _temp.Combine("warm.iso"));
        MetadataDisc.WriteFile(clone, _temp.Combine("clone.iso"));
        _vm = GuestVm.Start(guest, new GuestVmOptions { Mac = TemplateMac });
        await _vm.WaitForMarkerAsync("ready", s_bootTimeout);

        await _vm.InsertDiscAsync(_temp.Combine("warm.iso"));
        var warmed = await _vm.WaitForMarkerAsync("warmed-up", s_reactionTimeout);

        Assert.Equal("template-warm-up", warmed["instance"]);
        Assert.DoesNotContain(_vm.Markers, m => m.Event is "identity" or "configured");

        var insert = Stopwatch.StartNew();
        await _vm.InsertDiscAsync(_temp.Combine("clone.iso"));
        var configured = await _vm.WaitForMarkerAsync("configured", s_reactionTimeout);
        var seen = insert.Elapsed;
        var identity = await _vm.WaitForMarkerAsync("identity", TimeSpan.Zero);

        Assert.Equal("insert-test-1", configured["instance"]);
        Assert.Equal("clone-two", configured["kernel-hostname"]);
        Assert.Equal("52:54:00:c2:00:02", identity["macs"]);
        Assert.Equal("reseeded", identity["rng"]);
        output.WriteLine($"warm-up: {warmed["total-ms"]} ms ({warmed["steps"]})");
        output.WriteLine($"clone disc inserted -> configured marker on the host: {seen.TotalMilliseconds:0} ms; in the guest, detected -> configured: {configured["total-ms"]} ms ({configured["steps"]})");
    }

    private static CloneMetadata Disc(string instanceId, string hostname, string mac) => new()
    {
        InstanceId = instanceId,
        Hostname = hostname,
        HostTime = DateTimeOffset.UtcNow,
        RandomSeed = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        Interfaces = [new InterfaceConfig { MatchMac = TemplateMac, Mac = mac, Addresses = ["10.0.2.15/24"], Gateway = "10.0.2.2" }],
    };
}
