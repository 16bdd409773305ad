using Jumpstart.Hostd.Bundles;
using Jumpstart.Hostd.Vm;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>Clones of the real test guest: they resume and guestd applies their own discs.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class GuestCloneTests
{
    private static readonly TimeSpan s_guestBound = TimeSpan.FromSeconds(60);

    [ToolTheory("qemu-system-x86_64", "qemu-img", "busybox", "cpio", "zstd")]
    [InlineData(MemoryFormat.Stream)]
    [InlineData(MemoryFormat.Mapped)]
    public async Task ClonesOfTheTestGuest_Resume_AndGuestdAppliesEachDisc(MemoryFormat format)
    {
        var guest = await TestGuest.GetAsync();
        await using var bed = new VmTestBed();
        var bundle = await bed.Templates.CreateAsync(
            new TemplateRequest
            {
                Name = "guest",
                Spec = guest.Spec(VmTestBed.TemplateMac),
                MemoryFormat = format,
                ReadyMarker = TestGuest.WatchingMarker,
                GuestTimeout = TimeSpan.FromMinutes(3),
            },
            progress: null,
            CancellationToken.None);

        var request = new CloneRequest
        {
            Bundle = bundle.Manifest.Name,
            Network = false,
            Clones = [.. new[] { "g-1", "g-2" }.Select(n => new CloneInstanceRequest
            {
                Name = n,
                Metadata = new CloneMetadata { InstanceId = $"i-{n}-{format}".ToLowerInvariant(), Hostname = n },
            })],
        };
        var report = await bed.Clones.CloneAsync(request, null, null, CancellationToken.None);

        Assert.All(report.Clones, c => Assert.True(c.Succeeded, c.Error));
        foreach (var clone in request.Clones)
        {
            var vm = bed.Supervisor.Get(clone.Name);
            await SerialLog.WaitForAsync(vm.Paths.SerialLog, $"Instance {clone.Metadata.InstanceId} applied", 0, s_guestBound, CancellationToken.None);
            Assert.Equal("running", (await vm.Qmp.QueryStatusAsync()).Status);
            var console = SerialLog.Tail(vm.Paths.SerialLog, SerialLog.MaxScanBytes);
            Assert.DoesNotContain("Kernel panic", console, StringComparison.Ordinal);
            Assert.DoesNotContain("Linux version", console, StringComparison.Ordinal);
        }
    }
}
