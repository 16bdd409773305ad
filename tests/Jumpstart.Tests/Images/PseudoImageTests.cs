using Jumpstart.Hostd.Images;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Nbd.Client;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>Pseudo images fetching from a real upstream (qemu-nbd over a unix socket through our NBD client).</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class PseudoImageTests
{
    private const int Extent = 256 * 1024;
    private const int FetchPiece = 64 * 1024;
    private const long ImageSize = (12L * TestImages.MiB) + (3 * 512);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task Misses_FetchWholeExtents_AndServeTheOriginalBytes_ThenHit()
    {
        await using var fixture = await Fixture.StartAsync();
        await using var image = await fixture.OpenAsync(readAhead: 0);
        var random = new Random(5);
        for (var i = 0; i < 40; i++)
        {
            var size = random.Next(1, 3 * Extent);
            var offset = i == 0 ? ImageSize - size : random.NextInt64(0, ImageSize - size);
            await NbdClientTests.ReadAndCompareAsync(image, fixture.Content, offset, size);
        }

        var status = image.Status;
        Assert.True(status.Misses > 0);
        Assert.Equal(status.ExtentsFetched, status.ExtentsPresent);
        Assert.Equal(fixture.Upstream!.ExtentsRead(Extent).Count, status.ExtentsPresent);
        Assert.All(fixture.Upstream.Reads, r => Assert.True(r.Length <= FetchPiece));

        // Everything read once is now served locally.
        var before = fixture.Upstream.Reads.Count;
        var hitsBefore = image.Status.Hits;
        await NbdClientTests.ReadAndCompareAsync(image, fixture.Content, ImageSize - 100, 100);
        Assert.Equal(before, fixture.Upstream.Reads.Count);
        Assert.True(image.Status.Hits > hitsBefore);
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task ConcurrentMisses_OnOneExtent_FetchItOnce()
    {
        await using var fixture = await Fixture.StartAsync();
        await using var image = await fixture.OpenAsync(readAhead: 0);
        var start = 5L * Extent;
        var reads = Enumerable.Range(0, 64).Select(i => NbdClientTests.ReadAndCompareAsync(image, fixture.Content, start + (i * 4000), 4000));
        await Task.WhenAll(reads).WaitAsync(s_timeout);

        Assert.Equal(1, image.Status.ExtentsFetched);
        Assert.Equal(Extent / FetchPiece, fixture.Upstream!.Reads.Count);
        Assert.Equal(Extent, fixture.Upstream.Reads.Sum(r => r.Length));
        Assert.Equal(64, image.Status.Misses + image.Status.Hits);
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task Reopen_KeepsPresentExtents_AndFetchesNothingAgain()
    {
        await using var fixture = await Fixture.StartAsync();
        long[] offsets = [0, 3 * Extent + 17, ImageSize - 5000, 7 * TestImages.MiB];
        long present;
        await using (var image = await fixture.OpenAsync(readAhead: 0))
        {
            foreach (var offset in offsets)
            {
                await NbdClientTests.ReadAndCompareAsync(image, fixture.Content, offset, 5000);
            }

            present = image.Status.ExtentsPresent;
        }

        await using var reopened = await fixture.OpenAsync(readAhead: 0);
        Assert.Equal(present, reopened.Status.ExtentsPresent);
        foreach (var offset in offsets)
        {
            await NbdClientTests.ReadAndCompareAsync(reopened, fixture.Content, offset, 5000);
        }

        Assert.Empty(fixture.Upstream!.Reads);
        Assert.Equal(0, reopened.Status.Misses);
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task ACacheOfAnotherImage_IsRefused_AndLeftAsItWas()
    {
        await using var fixture = await Fixture.StartAsync();
        await using (var image = await fixture.OpenAsync(readAhead: 0))
        {
            await NbdClientTests.ReadAndCompareAsync(image, fixture.Content, 0, 1000);
        }

        var present = fixture.Directory.Combine("cache", "present");
        var before = await File.ReadAllBytesAsync(present);
        var upstream = await NbdClient.ConnectAsync(fixture.Server.Uri);
        await using var owned = upstream;
        var ex = await Assert.ThrowsAsync<PseudoImageCacheException>(() => PseudoImage.OpenAsync(
            new PseudoImageOptions { CacheDirectory = fixture.Directory.Combine("cache"), Identity = "another", ExtentSize = Extent }, upstream, null, CancellationToken.None));
        Assert.Contains("another", ex.Message, StringComparison.Ordinal);
        ex = await Assert.ThrowsAsync<PseudoImageCacheException>(() => PseudoImage.OpenAsync(
            new PseudoImageOptions { CacheDirectory = fixture.Directory.Combine("cache"), Identity = Fixture.Identity, ExtentSize = Extent * 2 }, upstream, null, CancellationToken.None));
        Assert.Equal(before, await File.ReadAllBytesAsync(present));

        await using var again = await fixture.OpenAsync(readAhead: 0);
        Assert.True(again.IsPresent(0));
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task Fill_IsRateLimited_ReportsProgress_AndMakesAFullReplica()
    {
        await using var fixture = await Fixture.StartAsync();
        await using var image = await fixture.OpenAsync(readAhead: 0);
        const long Rate = 16L * TestImages.MiB;
        var reports = new List<FillProgress>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await image.FillAsync(Rate, new SynchronousProgress(reports.Add), CancellationToken.None).WaitAsync(s_timeout);
        clock.Stop();

        // 12 MiB at 16 MiB/s with a short burst: about 0.75 s.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(((double)ImageSize / Rate) - 0.15), $"fill took only {clock.Elapsed}");
        Assert.True(reports.Count >= 2);
        Assert.Equal(ImageSize, reports[^1].BytesPresent);
        Assert.Equal(ImageSize, reports[^1].BytesTotal);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.BytesPresent >= p.First.BytesPresent));
        Assert.True(image.Status.Complete);
        Assert.Equal(ImageSize, image.Status.BytesPresent);
        Assert.Equal(fixture.Content, await File.ReadAllBytesAsync(fixture.Directory.Combine("cache", "data")));
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task Replay_OfARecordedAccessLog_FetchesExactlyThoseExtents()
    {
        await using var fixture = await Fixture.StartAsync();
        var log = fixture.Directory.Combine("boot.log");
        long[] touched = [9, 2, 30, 2, 17];
        await using (var recording = await fixture.OpenAsync(readAhead: 0, cache: "template", recordAccess: log))
        {
            foreach (var extent in touched)
            {
                await NbdClientTests.ReadAndCompareAsync(recording, fixture.Content, (extent * Extent) + 10, 100);
            }
        }

        var (extentSize, order) = await AccessLogRecorder.ReadAsync(log, CancellationToken.None);
        Assert.Equal(Extent, extentSize);
        Assert.Equal([9L, 2, 30, 17], order);

        await using var clone = await fixture.OpenAsync(readAhead: 0, cache: "clone");
        await clone.ReplayAsync(log, CancellationToken.None).WaitAsync(s_timeout);
        Assert.Equal(new HashSet<long> { 2, 9, 17, 30 }, fixture.Upstream!.ExtentsRead(Extent));
        Assert.Equal(4, clone.Status.ExtentsPresent);
    }

    [ToolFact(NbdPeerServer.QemuNbd)]
    public async Task SequentialReads_FetchTheNextExtentsAhead()
    {
        await using var fixture = await Fixture.StartAsync();
        await using var image = await fixture.OpenAsync(readAhead: 4);
        for (var offset = 0L; offset < 2L * Extent; offset += 64 * 1024)
        {
            await NbdClientTests.ReadAndCompareAsync(image, fixture.Content, offset, 64 * 1024);
        }

        await Poll.UntilAsync(() => Enumerable.Range(2, 4).All(e => image.IsPresent(e)), s_timeout, "extents 2-5 read ahead");
        Assert.False(image.IsPresent(20));
    }

    [ToolFact(NbdPeerServer.QemuNbd, "/usr/bin/python3", "nbdsh", "nbdcopy", "qemu-img")]
    public async Task ServedByOurNbdServer_CacheCommandFetchesTheRange_AndACopyEqualsTheOriginal()
    {
        await using var fixture = await Fixture.StartAsync();
        await using var image = await fixture.OpenAsync(readAhead: 0);
        var exports = new NbdExportSet();
        exports.Add("pseudo", image);
        var socket = fixture.Directory.Combine("pseudo.sock");
        await using var server = NbdServer.ListenUnix(socket, exports);
        var uri = NbdUri.ForUnix(socket, "pseudo").ToString();

        // nbdsh is 'python3 -m nbd' and needs Debian's Python (python3-libnbd), which may not be the python3 first on PATH.
        await Requirements.RunToolAsync("/usr/bin/python3", ["-m", "nbd", "-u", uri, "-c", $"h.cache({2 * Extent}, {4 * Extent})"]);
        Assert.Equal(new HashSet<long> { 4, 5 }, fixture.Upstream!.ExtentsRead(Extent));
        Assert.True(image.IsPresent(4) && image.IsPresent(5));

        var copy = fixture.Directory.Combine("copy.raw");
        await Requirements.RunToolAsync("nbdcopy", [uri, copy]);
        await Requirements.RunToolAsync("qemu-img", ["compare", "-f", "raw", "-F", "raw", fixture.ImagePath, copy]);
        Assert.True(image.Status.Complete);
    }

    /// <summary>An image, qemu-nbd exporting it, and pseudo images over counting clients of it.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        public const string Identity = "test-image";
        private readonly List<IAsyncDisposable> _owned = [];

        private Fixture(TempDirectory directory, byte[] content, NbdPeerServer server)
        {
            Directory = directory;
            Content = content;
            Server = server;
        }

        public TempDirectory Directory { get; }

        public byte[] Content { get; }

        public NbdPeerServer Server { get; }

        public string ImagePath => Directory.Combine("image.raw");

        /// <summary>The counting upstream of the image opened last.</summary>
        public CountingBlockSource? Upstream { get; private set; }

        public static async Task<Fixture> StartAsync()
        {
            var directory = new TempDirectory("pseudo");
            var content = TestImages.CreateSparse(directory.Combine("image.raw"), ImageSize);
            var server = await NbdPeerServer.StartAsync(NbdPeerServer.QemuNbd, directory.Combine("image.raw"), directory.Combine("upstream.sock"));
            return new Fixture(directory, content, server);
        }

        public async Task<PseudoImage> OpenAsync(int readAhead, string cache = "cache", string? recordAccess = null)
        {
            Upstream = new CountingBlockSource(await NbdClient.ConnectAsync(Server.Uri));
            _owned.Add(Upstream);
            var options = new PseudoImageOptions
            {
                CacheDirectory = Directory.Combine(cache),
                Identity = Identity,
                ExtentSize = Extent,
                FetchRequestSize = FetchPiece,
                ReadAheadExtents = readAhead,
                RecordAccessPath = recordAccess,
            };
            return await PseudoImage.OpenAsync(options, Upstream, null, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var owned in _owned)
            {
                await owned.DisposeAsync();
            }

            await Server.DisposeAsync();
            Directory.Dispose();
        }
    }

    private sealed class SynchronousProgress(Action<FillProgress> report) : IProgress<FillProgress>
    {
        public void Report(FillProgress value) => report(value);
    }
}
