using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Bundles.Shipping;
using Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;
using Jumpstart.Tests.Clones;
using Jumpstart.Tests.Images;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Vm.Shipping;

/// <summary>
/// The multicast transport (issue 14 section 3): the real uftp in the source's network namespace, the real uftpd in
/// each receiver's, the per-host streams TLS 1.3 over TCP between the namespaces, chunks sealed with AES-256-GCM.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class MulticastShippingTests
{
    private const int StateBytes = (300 << 10) + 123;

    /// <summary>Plaintext blocks searched for in the capture: a leaked window of 64 bytes holds at least one whole aligned block.</summary>

    private static readonly TimeSpan s_bound = TimeSpan.FromMinutes(3);

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task Multicast_ToTwoReceivers_LeavesByteIdenticalVerifiedBundles()
    {
        await using var bed = await MulticastBed.CreateAsync(2, 11101);
        var source = await bed.BundleAsync(StateBytes);
        var progress = new List<ShipProgress>();

        var results = await bed.Shipper.MulticastAsync(source, bed.Names, bed.Options, new Collect(progress), CancellationToken.None).WaitAsync(s_bound);

        Assert.All(results, r => Assert.True(r.State == HopState.Done, r.Message));
        Assert.Equal(bed.Names, results.Select(r => r.Host));
        Assert.All(results, r => Assert.Equal(0, r.BytesSent));
        foreach (var host in bed.Hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
            Assert.Equal(1, bed.Decrypts[host.Name]);
            lock (progress)
            {
                Assert.Contains(progress, p => p.Host == host.Name && p.State == HopState.Receiving);
            }
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(bed.Options.SpoolDirectory!));
    }

    [ToolFact("uftp", "uftpd", "ip", "tcpdump", NeedsRoot = true)]
    public async Task Multicast_OnTheWire_CarriesNoWindowOfTheBundlesPlaintext()
    {
        await using var bed = await MulticastBed.CreateAsync(2, 11102);
        var source = await bed.BundleAsync(StateBytes);
        var pcap = bed.Combine("bridge.pcap");
        await using var capture = await BridgeCapture.StartAsync(["netns", "exec", bed.Lan.SwitchNamespace], pcap, HostLan.BridgeName);

        // A slower session, so the capture keeps up with every frame.
        var results = await bed.Shipper.MulticastAsync(source, bed.Names, bed.Options with { RateKbps = 20_000 }, null, CancellationToken.None).WaitAsync(s_bound);
        // tcpdump gets frames from the kernel in blocks and drops an undelivered block when stopped: wait until the file stops growing.
        long last = -1;
        await Poll.UntilAsync(
            () => (last, last = new FileInfo(pcap).Length) is var (before, now) && before == now && now > 0,
            s_bound,
            "the capture to stop growing",
            TimeSpan.FromSeconds(2));
        var frames = await capture.StopAsync();

        Assert.All(results, r => Assert.True(r.State == HopState.Done, r.Message));
        // The capture saw the session: IPv4 multicast frames (01:00:5e:...) carrying at least the bundle's size.
        var multicastFrames = frames.Where(f => f.Destination.StartsWith("01:00:5e", StringComparison.Ordinal)).ToList();
        var multicastBytes = multicastFrames.Sum(f => FrameLength().Match(f.Line) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
        var captured = await File.ReadAllBytesAsync(pcap);
        Assert.True(multicastBytes > StateBytes, $"{multicastFrames.Count} multicast frames of {multicastBytes} bytes captured: {string.Join(" | ", multicastFrames.Take(5).Select(f => f.Line))}");
        Assert.True(captured.Length > StateBytes, $"the capture holds {captured.Length} bytes");
        var plaintext = await File.ReadAllBytesAsync(Path.Combine(source, BundleFiles.State));
        Assert.Equal(-1, PlaintextSearch.FindAnyBlock(captured, plaintext));
        // The search itself finds plaintext when it is there.
        Assert.True(PlaintextSearch.FindAnyBlock([.. captured.Take(1000), .. plaintext.AsSpan(4321, 64).ToArray(), .. captured.Skip(1000)], plaintext) >= 0);
    }

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task ATamperedCiphertextChunk_FailsItsTag_AndIsFetchedAgainOverTheStream()
    {
        // Receivers that open chunks while uftp runs might open this one before the flip: they open only at the end here.
        await using var bed = await MulticastBed.CreateAsync(2, 11103, openWhileArriving: false);
        var source = await bed.BundleAsync(StateBytes);
        const long Flipped = 40_000;
        bed.Tamper = (host, file) =>
        {
            if (host == "r1")
            {
                using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite);
                var one = new byte[1];
                RandomAccess.Read(handle, one, Flipped);
                one[0] ^= 0x40;
                RandomAccess.Write(handle, one, Flipped);
            }
        };

        var results = await bed.Shipper.MulticastAsync(source, bed.Names, bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.All(results, r => Assert.True(r.State == HopState.Done, r.Message));
        var plan = await TransferManifest.CreateAsync(source, ShippingBed.ChunkBytes, CancellationToken.None);
        var all = new byte[(plan.ChunkCount + 7) / 8];
        Array.Fill(all, (byte)0xff);
        var tampered = ChunkCipher.Layout(plan, all).Single(c => c.Offset <= Flipped && Flipped < c.Offset + c.Length);
        Assert.Equal(tampered.Length - ChunkCipher.TagBytes, results[0].BytesSent);
        Assert.Equal(0, results[1].BytesSent);
        foreach (var host in bed.Hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
        }
    }

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task AReceiverNeedingEveryChunk_OpensThemWhileUftpIsStillSending()
    {
        await using var bed = await MulticastBed.CreateAsync(1, 11106);
        var source = await bed.BundleAsync(4 << 20);
        var progress = new List<ShipProgress>();
        long verifiedWhenUftpEnded = -1;
        bed.Tamper = (host, _) =>
        {
            lock (progress)
            {
                verifiedWhenUftpEnded = progress.Where(p => p.Host == host).Select(p => p.Bytes).DefaultIfEmpty(0).Max();
            }
        };

        // 4 MiB at 8 Mbit/s: a session of about four seconds, sixteen rounds of the receiver's look at the spool.
        var results = await bed.Shipper.MulticastAsync(source, bed.Names, bed.Options with { RateKbps = 8_000 }, new Collect(progress), CancellationToken.None).WaitAsync(s_bound);

        Assert.True(results[0].State == HopState.Done, $"{results[0].State}: {results[0].Message}");
        Assert.Equal(0, results[0].BytesSent);
        Assert.True(verifiedWhenUftpEnded > 0, $"{verifiedWhenUftpEnded} bytes verified when uftp ended: nothing was opened while it ran");
        await ShippingBed.AssertHoldsAsync(bed.Hosts[0], source);
    }

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task Multicast_WithAnotherBlockSize_LeavesVerifiedBundles()
    {
        await using var bed = await MulticastBed.CreateAsync(1, 11107);
        var source = await bed.BundleAsync(StateBytes);

        var results = await bed.Shipper.MulticastAsync(source, bed.Names, bed.Options with { BlockBytes = 1000 }, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal((HopState.Done, 0L), (results[0].State, results[0].BytesSent));
        await ShippingBed.AssertHoldsAsync(bed.Hosts[0], source);
    }

    [Fact]
    public void TheBlockSize_FollowsTheInterfacesMtu_WithinUftpsBounds()
    {
        // lo's MTU (65536) is far above a jumbo frame: the largest block uftp takes.
        Assert.Equal(MulticastSendOptions.MaxBlockBytes, MulticastDistributor.BlockBytesFor("lo"));
        Assert.Null(MulticastDistributor.BlockBytesFor("no-such-nic0"));
        Assert.Null(MulticastDistributor.BlockBytesFor("../lo"));
        Assert.Null(MulticastDistributor.BlockBytesFor(null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MulticastShipOptions { BlockBytes = 9000 }.Validate());
    }

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task AReceiverThatHoldsTheBundle_ReceivesNothing_TheOtherGetsIt()
    {
        await using var bed = await MulticastBed.CreateAsync(2, 11104);
        var source = await bed.BundleAsync(StateBytes);
        var first = await bed.Shipper.MulticastAsync(source, ["r1"], bed.Options, null, CancellationToken.None).WaitAsync(s_bound);
        Assert.Equal(HopState.Done, first[0].State);

        var results = await bed.Shipper.MulticastAsync(source, bed.Names, bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal([(HopState.AlreadyHeld, 0L), (HopState.Done, 0L)], results.Select(r => (r.State, r.BytesSent)));
        Assert.Equal(1, bed.Decrypts["r1"]);
        Assert.Equal(1, bed.Decrypts["r2"]);
        foreach (var host in bed.Hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
        }
    }

    [ToolFact("uftp", "uftpd", "ip", NeedsRoot = true)]
    public async Task AReceiverWhoseUftpdNeverAnswers_GetsEveryChunkOverItsStream_TheOtherByMulticast()
    {
        await using var bed = await MulticastBed.CreateAsync(2, 11105, silent: 2);
        var source = await bed.BundleAsync(StateBytes);

        var results = await bed.Shipper.MulticastAsync(source, bed.Names, bed.Options, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.All(results, r => Assert.True(r.State == HopState.Done, r.Message));
        var total = new DirectoryInfo(source).EnumerateFiles().Where(f => f.Name != BundleManifest.FileName).Sum(f => f.Length);
        Assert.Equal([0L, total], results.Select(r => r.BytesSent));
        foreach (var host in bed.Hosts)
        {
            await ShippingBed.AssertHoldsAsync(host, source);
        }
    }

    [ToolFact("uftp")]
    public async Task AReceiverWithoutUftpd_FailsNamingThePackageAndTheHost()
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", 64 << 10);
        var host = new ShippingHost("r0", bed.Combine("r0", BundleCache.Folder), (_, _) => throw new IOException("no chains"), multicast: new MulticastReceiveOptions { Program = "uftpd-not-installed" });
        await using var _ = host;
        var shipper = new BundleShipper((_, token) => ConnectAsync(host.Port, token));

        var results = await shipper.MulticastAsync(source, ["r0"], new MulticastShipOptions { ChunkBytes = ShippingBed.ChunkBytes, ReadyTimeout = s_bound }, null, CancellationToken.None).WaitAsync(s_bound);

        Assert.Equal(HopState.Failed, results[0].State);
        Assert.StartsWith("r0: ", results[0].Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install uftp", results[0].Message, StringComparison.Ordinal);
        var refused = Assert.IsType<ShippingException>(await Poll.ForAsync(() => host.Outcomes.LastOrDefault(), o => o is not null, s_bound, "the receiver's failure"));
        Assert.Equal(ShippingProblem.Unsupported, refused.Problem);
        Assert.DoesNotContain(Directory.EnumerateDirectories(host.Cache.Root), d => Path.GetFileName(d).StartsWith(".multicast-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASourceWithoutUftp_IsRefusedNamingThePackage_BeforeAnyHostIsContacted()
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", 64 << 10);
        var contacted = false;
        var shipper = new BundleShipper((_, _) =>
        {
            contacted = true;
            throw new IOException("unreachable");
        });

        var error = await Assert.ThrowsAsync<ShippingException>(() => shipper.MulticastAsync(source, ["r0"], new MulticastShipOptions { Program = "uftp-not-installed" }, null, CancellationToken.None));

        Assert.Equal(ShippingProblem.Unsupported, error.Problem);
        Assert.Contains("apt-get install uftp", error.Message, StringComparison.Ordinal);
        Assert.False(contacted);
    }

    public enum Lie
    {
        ShortKey,
        LongKey,
        UnicastGroup,
        NotAnAddress,
        PrivilegedPort,
        ClientIdZero,
        AbsurdChunkSize,
        TooManyChunks,
        RouteInAMulticastOffer,
        HugeFrame,
    }

    [Theory]
    [Trait(Capabilities.Trait, Capabilities.Hostile)]
    [InlineData(Lie.ShortKey)]
    [InlineData(Lie.LongKey)]
    [InlineData(Lie.UnicastGroup)]
    [InlineData(Lie.NotAnAddress)]
    [InlineData(Lie.PrivilegedPort)]
    [InlineData(Lie.ClientIdZero)]
    [InlineData(Lie.AbsurdChunkSize)]
    [InlineData(Lie.TooManyChunks)]
    [InlineData(Lie.RouteInAMulticastOffer)]
    [InlineData(Lie.HugeFrame)]
    public async Task AHostileMulticastOffer_IsRefusedWithAClearError_AndNothingIsWritten(Lie lie)
    {
        await using var bed = new ShippingBed();
        var source = await bed.BundleAsync("source", "template", 64 << 10);
        var host = bed.AddHost("r0");
        var honest = await TransferManifest.CreateAsync(source, ShippingBed.ChunkBytes, CancellationToken.None);
        var offer = new MulticastOffer { Transfer = new TransferOffer { Manifest = honest }, Key = ChunkCipher.NewKey(), Group = MulticastShipOptions.DefaultGroup, Port = MulticastShipOptions.DefaultPort, ClientId = 1 };
        offer = lie switch
        {
            Lie.ShortKey => offer with { Key = new byte[16] },
            Lie.LongKey => offer with { Key = new byte[33] },
            Lie.UnicastGroup => offer with { Group = "10.98.0.2" },
            Lie.NotAnAddress => offer with { Group = "239.1.1.1; rm -rf /" },
            Lie.PrivilegedPort => offer with { Port = 22 },
            Lie.ClientIdZero => offer with { ClientId = 0 },
            Lie.AbsurdChunkSize => offer with { Transfer = new TransferOffer { Manifest = honest with { ChunkBytes = int.MaxValue } } },
            Lie.TooManyChunks => offer with { Transfer = new TransferOffer { Manifest = honest with { Files = [.. honest.Files.Select((f, i) => i == 1 ? f with { Chunks = [.. Enumerable.Repeat(f.Chunks[0], ShippingLimits.MaxChunks + 1)] } : f)] } } },
            Lie.RouteInAMulticastOffer => offer with { Transfer = new TransferOffer { Manifest = honest, Route = ["r1"] } },
            _ => offer,
        };
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, host.Port);
        await using var stream = new NetworkStream(socket);
        byte[] frame = lie == Lie.HugeFrame ? [(byte)FrameType.MulticastOffer, 0x7f, 0xff, 0xff, 0xff] : ShippingBed.OfferFrame(FrameType.MulticastOffer, offer);
        try
        {
            await stream.WriteAsync(frame);
        }
        catch (IOException)
        {
            // The receiver may refuse and close before the test finished writing.
        }

        var outcome = Assert.IsType<ShippingException>(await Poll.ForAsync(() => host.Outcomes.LastOrDefault(), o => o is not null, s_bound, "the receiver's answer"));
        Assert.Equal(ShippingProblem.Protocol, outcome.Problem);
        Assert.Contains(lie switch
        {
            Lie.ShortKey or Lie.LongKey => "key",
            Lie.UnicastGroup or Lie.NotAnAddress => "not a multicast address",
            Lie.PrivilegedPort => "port 22",
            Lie.ClientIdZero => "client id",
            Lie.AbsurdChunkSize => "chunk size",
            Lie.TooManyChunks => "chunks",
            Lie.RouteInAMulticastOffer => "route",
            _ => "MulticastOffer frame",
        }, outcome.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.Cache.Root));
    }

    [GeneratedRegex(@"length (\d+)")]
    private static partial Regex FrameLength();

    private static async Task<Stream> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        return new NetworkStream(socket, ownsSocket: true);
    }

    private sealed class Collect(List<ShipProgress> into) : IProgress<ShipProgress>
    {
        public void Report(ShipProgress value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
