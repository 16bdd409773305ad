using System.Text.Json;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm;

/// <summary>State bundles made from a real SeaBIOS template: round trip, and refusal of damaged ones.</summary>
[Trait(Capabilities.Trait, Capabilities.Clone)]
public sealed class BundleTests
{
    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task ATemplate_SuspendsIntoABundle_ThatVerifies()
    {
        await using var bed = new VmTestBed();

        var bundle = await bed.SeaBiosBundleAsync("roundtrip", MemoryFormat.Stream);
        var again = await bed.Store.VerifyAsync("roundtrip", CancellationToken.None);

        Assert.Equal(["roundtrip"], bed.Store.List());
        Assert.Equal(bundle.Manifest, again.Manifest with { Parts = bundle.Manifest.Parts });
        Assert.Equal(bundle.Manifest.Parts.Select(p => p.Sha256), again.Manifest.Parts.Select(p => p.Sha256));
        Assert.Equal(VmTestBed.TemplateMac, again.Spec.Nic!.Mac);
        Assert.Contains(again.Manifest.Parts, p => p.Role == BundlePartRole.Disk && p.DiskId == "root");
        Assert.True(again.Manifest.Part(BundlePartRole.State)!.Size > 0);
        Assert.Empty(bed.Supervisor.List());
        Assert.Empty(Directory.EnumerateDirectories(bed.Store.Root, ".staging-*"));
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task AMappedBundle_HoldsTheRam_AndOnlyDeviceStateInTheStream()
    {
        await using var bed = new VmTestBed();

        var bundle = await bed.SeaBiosBundleAsync("mapped", MemoryFormat.Mapped);

        var ram = bundle.Manifest.Part(BundlePartRole.Ram)!;
        Assert.Equal(VmTestBed.SmallMemoryMiB * 1024L * 1024L, ram.Size);
        Assert.True(bundle.Manifest.Part(BundlePartRole.State)!.Size < ram.Size / 16, "x-ignore-shared must keep guest RAM out of the stream");
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task ATruncatedState_IsRefused_AndNoCloneStarts()
    {
        await using var bed = new VmTestBed();
        var bundle = await bed.SeaBiosBundleAsync("truncated", MemoryFormat.Stream);
        var state = bundle.PathOf(BundlePartRole.State);
        File.SetAttributes(state, FileAttributes.Normal);
        await using (var stream = new FileStream(state, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var error = await Assert.ThrowsAsync<BundleException>(() => bed.Clones.CloneAsync(Request("truncated", "t-1"), null, null, CancellationToken.None));

        Assert.Equal(BundleProblem.SizeMismatch, error.Problem);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        AssertNothingStarted(bed);
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task ACorruptedDiskDelta_IsRefused_AndNoCloneStarts()
    {
        await using var bed = new VmTestBed();
        var bundle = await bed.SeaBiosBundleAsync("corrupt", MemoryFormat.Mapped);
        var disk = bundle.DiskPath("root");
        File.SetAttributes(disk, FileAttributes.Normal);
        var bytes = await File.ReadAllBytesAsync(disk);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(disk, bytes);

        var error = await Assert.ThrowsAsync<BundleException>(() => bed.Clones.CloneAsync(Request("corrupt", "c-1"), null, null, CancellationToken.None));

        Assert.Equal(BundleProblem.ChecksumMismatch, error.Problem);
        Assert.Contains("disk-root.qcow2", error.Message, StringComparison.Ordinal);
        AssertNothingStarted(bed);
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task APartChangedAfterAVerify_IsHashedAgain_AndTheNextCloneRequestRefusesIt()
    {
        await using var bed = new VmTestBed();
        var bundle = await bed.SeaBiosBundleAsync("changed", MemoryFormat.Mapped);
        var disk = bundle.DiskPath("root");
        var part = bundle.Manifest.Parts.Single(p => p.Role == BundlePartRole.Disk);
        await bed.Store.VerifyAsync("changed", reuseVerified: true, CancellationToken.None);
        Assert.True(VerifiedPartCache.Identify(disk) is { } verified && VerifiedPartCache.IsVerified(disk, verified, part.Sha256));

        // Same size, and the modification time put back as it was: only the change time (and the content) tell.
        var modified = File.GetLastWriteTimeUtc(disk);
        File.SetAttributes(disk, FileAttributes.Normal);
        var bytes = await File.ReadAllBytesAsync(disk);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(disk, bytes);
        File.SetLastWriteTimeUtc(disk, modified);

        Assert.False(VerifiedPartCache.Identify(disk) is { } now && VerifiedPartCache.IsVerified(disk, now, part.Sha256));
        var error = await Assert.ThrowsAsync<BundleException>(() => bed.Clones.CloneAsync(Request("changed", "c-1"), null, null, CancellationToken.None));
        Assert.Equal(BundleProblem.ChecksumMismatch, error.Problem);
        Assert.Contains("disk-root.qcow2", error.Message, StringComparison.Ordinal);
        AssertNothingStarted(bed);
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task AMissingManifest_MeansNoBundle()
    {
        await using var bed = new VmTestBed();
        var bundle = await bed.SeaBiosBundleAsync("nomanifest", MemoryFormat.Stream);
        File.Delete(Path.Combine(bundle.Directory, BundleManifest.FileName));

        var error = await Assert.ThrowsAsync<BundleException>(() => bed.Store.VerifyAsync("nomanifest", CancellationToken.None));

        Assert.Equal(BundleProblem.Missing, error.Problem);
        Assert.Empty(bed.Store.List());
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task AMovedCdrom_IsRefusedBeforeAnythingStarts()
    {
        await using var bed = new VmTestBed();
        await bed.SeaBiosBundleAsync("mismatch", MemoryFormat.Stream);
        var moved = VmTestBed.SeaBiosSpec() with { Cdrom = new VmCdromSpec { Bus = "ide.0", Unit = 1 } };

        var error = await Assert.ThrowsAsync<VmSpecException>(() => bed.Clones.CloneAsync(Request("mismatch", "m-1"), moved, null, CancellationToken.None));

        Assert.Contains("CDROM", error.Message, StringComparison.Ordinal);
        AssertNothingStarted(bed);
    }

    [ToolFact("qemu-system-x86_64", "qemu-img")]
    public async Task ATamperedManifest_WithAnUnknownMember_IsMalformed()
    {
        await using var bed = new VmTestBed();
        var bundle = await bed.SeaBiosBundleAsync("tampered", MemoryFormat.Stream);
        var manifestPath = Path.Combine(bundle.Directory, BundleManifest.FileName);
        var node = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        node["surprise"] = "yes";
        await File.WriteAllTextAsync(manifestPath, node.ToJsonString());

        var error = await Assert.ThrowsAsync<BundleException>(() => bed.Store.VerifyAsync("tampered", CancellationToken.None));

        Assert.Equal(BundleProblem.Malformed, error.Problem);
        Assert.IsType<JsonException>(error.InnerException);
    }

    internal static CloneRequest Request(string bundle, params string[] names) => new()
    {
        Bundle = bundle,
        Network = false,
        Clones = [.. names.Select(n => new CloneInstanceRequest { Name = n, Metadata = new CloneMetadata { InstanceId = $"i-{n}", Hostname = n } })],
    };

    private static void AssertNothingStarted(VmTestBed bed)
    {
        Assert.Empty(bed.Supervisor.List());
        Assert.False(Directory.Exists(Path.Combine(bed.RuntimeRoot, VmPaths.VmsFolder)) && Directory.EnumerateDirectories(Path.Combine(bed.RuntimeRoot, VmPaths.VmsFolder)).Any());
    }
}
