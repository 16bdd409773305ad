using Jumpstart.Guestd.Memory;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Hostd.Vm.Templates;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Guestd;

/// <summary>The in-process side of zeroing a template's free memory: what hostd asks for and what guestd reads (the zeroing itself runs in <c>TemplateStreamSizeTests</c>, in a real guest).</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class FreeMemoryZeroerTests : IDisposable
{
    private readonly TempDirectory _temp = new("guestd-memory");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WarmUpDisc_AsksForZeroing_ForAStreamOnly_AndTheFlagSurvivesTheDisc()
    {
        Assert.True(TemplateBuilder.ZeroFreeMemory(MemoryFormat.Stream));
        Assert.False(TemplateBuilder.ZeroFreeMemory(MemoryFormat.Mapped));

        var (disc, _) = WarmupDisc.Write(_temp.Combine("warm.iso"), new VmSpec(), doneMarker: null, zeroFreeMemory: true);
        var read = MetadataDisc.Read(disc);
        Assert.True(read.Warmup);
        Assert.True(read.ZeroFreeMemory);

        var (plain, _) = WarmupDisc.Write(_temp.Combine("plain.iso"), new VmSpec(), doneMarker: null);
        Assert.False(MetadataDisc.Read(plain).ZeroFreeMemory);
    }

    [Fact]
    public void Zeroer_ReadsMemFree_AndKeepsAtLeastItsReserve()
    {
        var memInfo = _temp.Combine("meminfo");
        File.WriteAllText(memInfo, "MemTotal:         393216 kB\nMemFree:          148448 kB\nMemAvailable:     151160 kB\n");
        var minFree = _temp.Combine("min_free_kbytes");
        File.WriteAllText(minFree, "2508\n");

        var zeroer = new FreeMemoryZeroer(memInfo, minFree);

        Assert.Equal(148448L * 1024, zeroer.FreeBytes());
        Assert.Equal(FreeMemoryZeroer.MinimumReserveBytes, zeroer.ReserveBytes());
        File.WriteAllText(minFree, "8192\n");
        Assert.Equal(8192L * 1024 * FreeMemoryZeroer.ReserveWatermarks, zeroer.ReserveBytes());
        Assert.Equal(FreeMemoryZeroer.MinimumReserveBytes, new FreeMemoryZeroer(memInfo, _temp.Combine("absent")).ReserveBytes());
    }

    [Fact]
    public void Zeroer_WithNoMoreFreeThanItsReserve_MapsNothing()
    {
        var memInfo = _temp.Combine("meminfo");
        File.WriteAllText(memInfo, "MemFree:           16384 kB\n");

        Assert.Equal(0, new FreeMemoryZeroer(memInfo, _temp.Combine("absent")).Zero(CancellationToken.None));
    }
}
