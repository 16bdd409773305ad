using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>Clones resumed from a SeaBIOS template's bundle, in every memory format.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class CloneTests
{
    [ToolTheory("qemu-system-x86_64", "qemu-img", "zstd")]
    [InlineData(MemoryFormat.Stream, false)]
    [InlineData(MemoryFormat.Stream, true)]
    [InlineData(MemoryFormat.Mapped, false)]
    public async Task ClonesResume_Running_WithTheirOwnDiscAndVmGenId(MemoryFormat format, bool compress)
    {
        await using var bed = new VmTestBed();
        var bundle = await bed.SeaBiosBundleAsync("base", format, compress);
        var ramBefore = format == MemoryFormat.Mapped ? await BundleVerifier.HashAsync(bundle.PathOf(BundlePartRole.Ram), CancellationToken.None) : null;

        var report = await bed.Clones.CloneAsync(BundleTests.Request("base", "web-1", "web-2", "web-3"), null, null, CancellationToken.None);

        Assert.All(report.Clones, c => Assert.True(c.Succeeded, c.Error));
        Assert.Equal(3, report.Clones.Select(c => c.VmGenId).Distinct().Count());
        foreach (var clone in report.Clones)
        {
            var vm = bed.Supervisor.Get(clone.Name);
            Assert.Equal("running", (await vm.Qmp.QueryStatusAsync()).Status);
            var guid = await vm.Qmp.ExecuteAsync("qom-get", new { Path = "/machine/peripheral/vmgenid0", Property = "guid" });
            Assert.Equal(clone.VmGenId, guid.GetString());
            Assert.Equal(
                [CloneStage.Verify, CloneStage.Disks, CloneStage.Spawn, CloneStage.Migrated, CloneStage.DiscInserted, CloneStage.Running],
                clone.Stages.Select(s => s.Stage));
            Assert.True(clone.Stages.Zip(clone.Stages.Skip(1)).All(p => p.First.Seconds <= p.Second.Seconds));
            var parameters = await vm.Qmp.ExecuteAsync("query-migrate-parameters");
            Assert.Equal(0, parameters.GetProperty("announce-rounds").GetInt32());
            var inserted = await InsertedMediumAsync(vm.Qmp);
            Assert.Equal(vm.Paths.MetadataDisc, inserted);
            Assert.Equal($"i-{clone.Name}", MetadataDisc.Read(inserted!).InstanceId);
        }

        if (ramBefore is not null)
        {
            // MAP_PRIVATE: running clones never write the bundle's RAM file.
            Assert.Equal(ramBefore, await BundleVerifier.HashAsync(bundle.PathOf(BundlePartRole.Ram), CancellationToken.None));
        }
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task ACloneWhoseNameIsTaken_IsRefusedBeforeVerifying()
    {
        await using var bed = new VmTestBed();
        await bed.SeaBiosBundleAsync("dup", MemoryFormat.Stream);

        await Assert.ThrowsAsync<VmRequestException>(() => bed.Clones.CloneAsync(BundleTests.Request("dup", "same", "same"), null, null, CancellationToken.None));
        Assert.Empty(bed.Supervisor.List());
    }

    private static async Task<string?> InsertedMediumAsync(Jumpstart.Hostd.Qmp.QmpClient qmp)
    {
        var blocks = await qmp.ExecuteAsync("query-block");
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.TryGetProperty("qdev", out var qdev) && qdev.GetString()!.Contains("cdrom0", StringComparison.Ordinal)
                && block.TryGetProperty("inserted", out var inserted))
            {
                return inserted.GetProperty("file").GetString();
            }
        }

        return null;
    }
}
