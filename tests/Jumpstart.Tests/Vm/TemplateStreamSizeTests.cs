using System.Globalization;
using System.Text.RegularExpressions;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Hostd.Vm.Templates;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Vm;

/// <summary>A stream template of the test guest leaves its free memory out of the stream: guestd zeroes it after the warm-up.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
[Collection(GuestVmsCollection.Name)]
public sealed partial class TemplateStreamSizeTests(ITestOutputHelper output)
{
    private const long MiB = 1L << 20;

    /// <summary>Device state, the RAM section's headers and an 8-byte marker per zero page: well under this.</summary>
    private const long StreamOverheadBytes = 16 * MiB;

    /// <summary>The test guest uses about 210 of its 384 MiB when warmed up; a fifth of it free is the least to expect.</summary>
    private const double LeastFreeShare = 0.2;

    private static readonly TimeSpan s_guestBound = TimeSpan.FromSeconds(90);

    [ToolFact("qemu-system-x86_64", "qemu-img", "busybox", "cpio", "zstd")]
    public async Task StreamTemplate_ZeroesItsFreeMemory_TheStreamLeavesItOut_AndAClonePicksUpItsDisc()
    {
        var guest = await TestGuest.GetAsync();
        await using var bed = new VmTestBed();
        var notes = new List<ProgressNote>();
        var bundle = await bed.Templates.CreateAsync(
            new TemplateRequest
            {
                Name = "zeroed",
                Spec = guest.Spec(VmTestBed.TemplateMac),
                MemoryFormat = MemoryFormat.Stream,
                ReadyMarker = TestGuest.WatchingMarker,
                WarmUp = true,
                // Boot and warm-up each take 30 s under TCG on a quiet machine; a loaded one has needed over 3 minutes.
                GuestTimeout = TimeSpan.FromMinutes(6),
            },
            new CollectingProgress<ProgressNote>(notes),
            CancellationToken.None);

        var warmedUp = Assert.Single(notes, n => n.Stage == "warmed up").Detail;
        Assert.NotNull(warmedUp);
        var zeroedMib = ZeroedMib().Match(warmedUp);
        Assert.True(zeroedMib.Success, $"no zeroed-mib=N in the warmed-up marker: {warmedUp}");
        var zeroed = long.Parse(zeroedMib.Groups[1].Value, CultureInfo.InvariantCulture) * MiB;
        var memory = guest.MemoryMiB * MiB;
        var state = bundle.Manifest.Part(BundlePartRole.State)!.Size;
        output.WriteLine($"{warmedUp}\nmemory {memory / MiB} MiB, zeroed {zeroed / MiB} MiB, stream {state / (double)MiB:0.0} MiB");
        Assert.Contains("zero-free-memory:", warmedUp, StringComparison.Ordinal);
        Assert.True(zeroed >= memory * LeastFreeShare, $"guestd zeroed only {zeroed / MiB} MiB of {memory / MiB} MiB");
        Assert.True(state < memory - zeroed + StreamOverheadBytes, $"the stream ({state} bytes) still carries the {zeroed / MiB} MiB guestd zeroed");

        var clone = new CloneInstanceRequest { Name = "z-1", Metadata = new CloneMetadata { InstanceId = "i-zeroed-1", Hostname = "z-1" } };
        var report = await bed.Clones.CloneAsync(new CloneRequest { Bundle = bundle.Manifest.Name, Network = false, Clones = [clone] }, null, null, CancellationToken.None);
        Assert.True(report.Clones.Single().Succeeded, report.Clones.Single().Error);
        var vm = bed.Supervisor.Get(clone.Name);
        await SerialLog.WaitForAsync(vm.Paths.SerialLog, $"Instance {clone.Metadata.InstanceId} applied", 0, s_guestBound, CancellationToken.None);
        Assert.Equal("running", (await vm.Qmp.QueryStatusAsync()).Status);
    }

    [GeneratedRegex(@"zeroed-mib=(\d+)")]
    private static partial Regex ZeroedMib();
}
