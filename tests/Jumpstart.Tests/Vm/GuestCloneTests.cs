using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Hostd.Vm.Templates;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Vm;

/// <summary>Clones of the real test guest: they resume and guestd applies their own discs.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
[Collection(GuestVmsCollection.Name)]
public sealed class GuestCloneTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_guestBound = TimeSpan.FromSeconds(60);

    [ToolTheory("qemu-system-x86_64", "qemu-img", "busybox", "cpio", "zstd")]
    [InlineData(MemoryFormat.Stream, false)]
    [InlineData(MemoryFormat.Mapped, true)]
    public async Task ClonesOfTheTestGuest_Resume_AndGuestdAppliesEachDisc(MemoryFormat format, bool warmUp)
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
                WarmUp = warmUp,
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
        output.WriteLine($"{format} (warm-up {warmUp}): state {bundle.Manifest.Part(BundlePartRole.State)!.Size} bytes, verify {report.VerifySeconds:0.000} s");
        foreach (var clone in report.Clones)
        {
            var spawn = clone.Stages.Single(s => s.Stage == CloneStage.Spawn).Seconds;
            output.WriteLine($"{clone.Name}: {string.Join(", ", clone.Stages.Select(s => $"{s.Stage} {s.Seconds:0.000}"))}; spawn->running {clone.Stages[^1].Seconds - spawn:0.000} s");
        }

        foreach (var clone in request.Clones)
        {
            var vm = bed.Supervisor.Get(clone.Name);
            var inserted = report.Clones.Single(c => c.Name == clone.Name).Stages.Single(s => s.Stage == CloneStage.DiscInserted).At;
            await SerialLog.WaitForAsync(vm.Paths.SerialLog, $"Instance {clone.Metadata.InstanceId} applied", 0, s_guestBound, CancellationToken.None);
            output.WriteLine($"{clone.Name}: disc inserted -> applied seen on the console {(DateTimeOffset.UtcNow - inserted).TotalSeconds:0.000} s (upper bound)");
            Assert.Equal("running", (await vm.Qmp.QueryStatusAsync()).Status);
            var console = SerialLog.Tail(vm.Paths.SerialLog, SerialLog.MaxScanBytes);
            Assert.DoesNotContain("Kernel panic", console, StringComparison.Ordinal);
            Assert.DoesNotContain("Linux version", console, StringComparison.Ordinal);
        }
    }
}
