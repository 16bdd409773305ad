using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>
/// Shipping state bundles between hosts (issue 14 section 3): real TCP loopback sockets (and TLS 1.3 over them),
/// real files, hosts in-process each with its own cache directory.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ShippingTests
{
    private const int StateBytes = (300 << 10) + 123;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unicast_ToThreeReceivers_LeavesByteIdenticalVerifiedBundles(bool tls)
    {
        await using var bed = new ShippingBed(tls);
        var source = await bed.BundleAsync("source", "template", StateBytes);
        var hosts = new[] { bed.AddHost("r0"), bed.AddHost("r1"), bed.AddHost("r2") };

        var results = await bed.Shipper.UnicastAsync(source, ["r0", "r1", "r2"], bed.Options, bed.Reporter, CancellationToken.None).WaitAsync(s_bound);

        Assert.All(results, r => Assert.Equal(HopState.Done, r.State));
        var total = new DirectoryInfo(source).EnumerateFiles().Where(f => f.Name != "manifest.json").Sum(f => f.Length);
        Assert.All(results, r => Assert.Equal(total, r.BytesSent));
        foreach (var host in hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
            var last = bed.Progress.Last(p => p.Host == host.Name);
            Assert.Equal((HopState.Done, total, total, TimeSpan.Zero), (last.State, last.Bytes, last.TotalBytes, last.Eta));
            Assert.Contains(bed.Progress, p => p.Host == host.Name && p.State == HopState.Receiving && p.Bytes < total && p.BytesPerSecond > 0 && p.Eta > TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task Chain_ThroughThreeHops_LeavesByteIdenticalVerifiedBundlesAndTheSourceFeedsOnlyTheFirst()
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", StateBytes);
        var hosts = new[] { bed.AddHost("r0"), bed.AddHost("r1"), bed.AddHost("r2") };

        var results = await bed.Shipper.ChainAsync(source, ["r0", "r1", "r2"], bed.Options, bed.Reporter, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal(["r0", "r1", "r2"], results.Select(r => r.Host));
        Assert.All(results, r => Assert.Equal(HopState.Done, r.State));
        Assert.True(results[0].BytesSent > 0);
        Assert.Equal([0L, 0L], results.Skip(1).Select(r => r.BytesSent));
        foreach (var host in hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
            Assert.Contains(bed.Progress, p => p.Host == host.Name && p.State == HopState.Receiving);
        }
    }

    [Fact]
    public async Task AHostThatHoldsTheBundle_ReceivesNothing_AndStillFeedsTheNextHopOfAChain()
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", StateBytes);
        var hosts = new[] { bed.AddHost("r0"), bed.AddHost("r1"), bed.AddHost("r2") };
        var first = await bed.Shipper.UnicastAsync(source, ["r1"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);
        Assert.Equal(HopState.Done, first[0].State);

        var again = await bed.Shipper.UnicastAsync(source, ["r1"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);
        var chain = await bed.Shipper.ChainAsync(source, ["r0", "r1", "r2"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal((HopState.AlreadyHeld, 0L), (again[0].State, again[0].BytesSent));
        Assert.Equal([HopState.Done, HopState.AlreadyHeld, HopState.Done], chain.Select(r => r.State));
        foreach (var host in hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ACorruptingRelay_BadChunksAreFetchedAgain_AndTheBundleArrivesIntact(bool chain)
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", StateBytes);
        var hosts = new[] { bed.AddHost("r0"), bed.AddHost("r1"), bed.AddHost("r2") };
        // Unicast: the relay sits before r1 on the source's stream; chain: between hop r0 and hop r1.
        var relay = bed.Relay(hosts[1], port => new ChunkRelay(port) { CorruptEvery = 3 });

        var results = chain
            ? await bed.Shipper.ChainAsync(source, ["r0", "r1", "r2"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound)
            : await bed.Shipper.UnicastAsync(source, ["r0", "r1", "r2"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.All(results, r => Assert.Equal(HopState.Done, r.State));
        Assert.True(relay.Corrupted >= 5, $"the relay corrupted {relay.Corrupted} chunks");
        foreach (var host in hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
        }
    }

    [Fact]
    public async Task ASenderKilledMidTransfer_TheReceiverResumesFromItsVerifiedChunksWithAnotherSource()
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", StateBytes);
        var other = await bed.BundleAsync("other", "template", 0);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(other, Path.GetFileName(file)), overwrite: true);
        }

        var host = bed.AddHost("r0");
        var relay = bed.Relay(host, port => new ChunkRelay(port) { GateAfterBytes = StateBytes / 2, CutAtGate = true });
        var verified = Path.Combine(host.Cache.Root, ".staging-" + ShippingBed.IdOf(source), "verified");
        int Marks() => File.Exists(verified) ? File.ReadAllBytes(verified).Count(b => b == 1) : 0;

        var killing = bed.Shipper.UnicastAsync(source, ["r0"], bed.Options, null, CancellationToken.None);
        await relay.GateReached.Task.WaitAsync(s_bound);
        // Everything the relay let through is verified before the kill, so what the receiver holds is known.
        var before = await Poll.ForAsync(Marks, m => m >= (StateBytes / 2 / ShippingBed.ChunkBytes) - 1, s_bound, "the chunks before the kill to be verified");
        relay.Gate.SetResult();
        var killed = await killing.WaitAsync(s_bound);
        var lost = Assert.IsType<ShippingException>(await Poll.ForAsync(() => host.Outcomes.LastOrDefault(), o => o is not null, s_bound, "the receiver's end of the killed stream"));
        var plan = await TransferManifest.CreateAsync(source, ShippingBed.ChunkBytes, CancellationToken.None);
        var held = File.ReadAllBytes(verified).Select((b, i) => b == 1 ? (long)plan.Locate(i).Length : 0).ToList();
        bed.Direct(host);
        var resumed = await bed.Shipper.UnicastAsync(other, ["r0"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal(HopState.Failed, killed[0].State);
        Assert.Equal(ShippingProblem.PeerLost, lost.Problem);
        Assert.Equal(HopState.Done, resumed[0].State);
        var total = new DirectoryInfo(source).EnumerateFiles().Where(f => f.Name != "manifest.json").Sum(f => f.Length);
        Assert.True(before > 0);
        Assert.Equal(total - held.Sum(), resumed[0].BytesSent);
        await ShippingBed.AssertHoldsAsync(host, source);
    }

    [ToolFact("mount", "umount", NeedsRoot = true)]
    public async Task AManifestClaimingMoreThanTheFreeSpace_IsRefused_AndNothingIsWritten()
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", 2 << 20);
        await using var disk = await Tmpfs.MountAsync(bed.Combine("disk"), 1 << 20);
        var host = bed.AddHost("r0", Path.Combine(disk.Path, "cache"));

        var results = await bed.Shipper.UnicastAsync(source, ["r0"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal(HopState.Failed, results[0].State);
        Assert.Contains("free", results[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, results[0].BytesSent);
        var refused = Assert.IsType<ShippingException>(await Poll.ForAsync(() => host.Outcomes.LastOrDefault(), o => o is not null, s_bound, "the receiver's answer"));
        Assert.Equal(ShippingProblem.NoSpace, refused.Problem);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.Cache.Root));
    }

    [ToolFact("mount", "umount", NeedsRoot = true)]
    public async Task ADiskThatFillsDuringTheTransfer_IsAClearError_AndTheCacheHoldsNoPartialBundle()
    {
        await using var bed = new ShippingBed();
        const int Size = 2 << 20;
        var source = await bed.BundleAsync("source", "template", Size);
        await using var disk = await Tmpfs.MountAsync(bed.Combine("disk"), 4 << 20);
        var host = bed.AddHost("r0", Path.Combine(disk.Path, "cache"));
        var relay = bed.Relay(host, port => new ChunkRelay(port) { GateAfterBytes = Size / 2 });

        var shipping = bed.Shipper.UnicastAsync(source, ["r0"], bed.Options, null, CancellationToken.None);
        await relay.GateReached.Task.WaitAsync(s_bound);
        disk.Fill();
        relay.Gate.SetResult();
        var results = await shipping.WaitAsync(s_bound);

        Assert.Equal(HopState.Failed, results[0].State);
        Assert.Contains("disk is full", results[0].Message, StringComparison.Ordinal);
        var full = Assert.IsType<ShippingException>(await Poll.ForAsync(() => host.Outcomes.LastOrDefault(), o => o is not null, s_bound, "the receiver's failure"));
        Assert.Equal(ShippingProblem.NoSpace, full.Problem);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.Cache.Root));

        // With room again the same bundle arrives whole.
        disk.Empty();
        bed.Direct(host);
        var again = await bed.Shipper.UnicastAsync(source, ["r0"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);
        Assert.Equal(HopState.Done, again[0].State);
        await ShippingBed.AssertHoldsAsync(host, source);
    }

    [Fact]
    public async Task TheCache_EvictsTheLeastRecentlyUsedBundles_ButNeverOneInUse()
    {
        await using var bed = new ShippingBed();
        var bundles = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            bundles.Add(await bed.BundleAsync($"source{i}", $"template{i}", StateBytes));
        }

        var ids = bundles.Select(ShippingBed.IdOf).ToList();
        var size = new DirectoryInfo(bundles[0]).EnumerateFiles().Where(f => f.Name != "manifest.json").Sum(f => f.Length);
        var host = bed.AddHost("r0", limitBytes: (size * 7 / 2) + 4096, inUse: id => id == ids[0]);
        for (var i = 0; i < 3; i++)
        {
            var shipped = await bed.Shipper.UnicastAsync(bundles[i], ["r0"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);
            Assert.Equal(HopState.Done, shipped[0].State);
            Directory.SetLastWriteTimeUtc(host.Cache.PathOf(ids[i]), DateTime.UtcNow.AddHours(i - 10));
        }

        var results = await bed.Shipper.UnicastAsync(bundles[3], ["r0"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal(HopState.Done, results[0].State);
        Assert.Equal([ids[0], ids[2], ids[3]], host.Cache.List());
        Assert.True(host.Cache.UsedBytes <= host.Cache.LimitBytes);
        var refused = Assert.Throws<ShippingException>(() => host.Cache.MakeRoom(host.Cache.LimitBytes + 1));
        Assert.Equal(ShippingProblem.NoSpace, refused.Problem);
    }
}
