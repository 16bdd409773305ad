using System.Diagnostics;
using System.Globalization;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Hostd.Images.Planning;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Nbd;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Images;

/// <summary>
/// The planner against a measured run on loopback: real nbdkit image servers with a bandwidth cap (rate filter)
/// and an added per-read latency (delay filter), N reader tasks each reading its load through our NbdClient
/// one request at a time (a VM's synchronous reads). Shared (k = 1) against unicast pre-deployment to k = 2
/// (copies made by ImageCopier from the capped server, then each served by its own capped nbdkit), and shared
/// against on-demand with k = 2 pseudo images (our PseudoImage behind our NbdServer, one per host, fetching from
/// the capped server).
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Collection(TimedRunsCollection.Name)]
public sealed class PlannerMeasuredRunTests(ITestOutputHelper output)
{
    /// <summary>Measured times must be within this fraction of the prediction.</summary>
    private const double Tolerance = 0.35;

    private const int Vms = 6;
    private const int MiB = 1024 * 1024;
    private const int ImageMiB = 8;
    private const int ReadPerVmMiB = 12;
    private const int RequestBytes = 256 * 1024;
    private const double ServerBytesPerSecond = 16.0 * MiB;
    private const double LatencySeconds = 0.002;

    private static readonly string[] s_serverFilters =
    [
        "--filter=rate", "--filter=delay",
        string.Create(CultureInfo.InvariantCulture, $"rate={(long)(ServerBytesPerSecond * 8)}"), "burstiness=0.1",
        string.Create(CultureInfo.InvariantCulture, $"delay-read={LatencySeconds * 1000}ms"),
    ];

    /// <remarks>One test, one real server, three configurations in turn: measured times are only comparable on the
    /// same machine state, and nbdkit is never started after the in-process pseudo images ran.</remarks>
    [ToolFact("nbdkit")]
    public async Task Prediction_MatchesMeasuredSharedPreDeployedAndOnDemandRuns_AndRanksThemTheSame()
    {
        using var dir = new TempDirectory("plan-measured");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), ImageMiB, dataEvery: 1);
        var input = new PlanInput
        {
            Vms = Vms,
            Hosts = 2,
            ImageSize = (long)ImageMiB * MiB,
            ReadPerVm = (long)ReadPerVmMiB * MiB,
            Pattern = AccessPattern.Sequential,
            RequestSize = RequestBytes,
            WorkingSetFraction = 1,
            DiskBandwidth = ServerBytesPerSecond,

            // Loopback: the links are not the bottleneck; every capped server, local or not, adds the same delay.
            NetworkBandwidth = 1e12,
            Latency = LatencySeconds,
            LocalLatency = LatencySeconds,
            MaxImages = 2,
        };

        // Pseudo images are in-process behind our NbdServer on a unix socket: local reads add no delay and are not capped.
        var onDemandInput = input with { DiskBandwidth = 1e12, ServerBandwidth = ServerBytesPerSecond, LocalLatency = 0 };
        var predictedShared = ImagePlanner.Predict(input, DistributionScheme.Shared, 1);
        var predictedCopies = ImagePlanner.Predict(input, DistributionScheme.PreDeployUnicast, 2);
        var predictedOnDemand = ImagePlanner.Predict(onDemandInput, DistributionScheme.OnDemand, 2);
        Assert.Equal(predictedShared.CloudSeconds, ImagePlanner.Predict(onDemandInput, DistributionScheme.Shared, 1).CloudSeconds, 3);

        // Shared: every VM reads from the one real server.
        await using var real = await NbdPeerServer.StartAsync(NbdPeerServer.Nbdkit, image, dir.Combine("real.sock"), s_serverFilters);
        var measuredShared = await ReadAllAsync(Enumerable.Repeat(real.Uri, Vms).ToList());

        // Unicast pre-deployment: two copies from the real server, then half of the VMs on each copy's server.
        var copyClock = Stopwatch.StartNew();
        await using (var source = await NbdClient.ConnectAsync(real.Uri))
        {
            await new ImageCopier().ReplicateAsync(source, [dir.Combine("copy1.raw"), dir.Combine("copy2.raw")], new CopyOptions { Streams = 4, Sparse = false }, null, CancellationToken.None);
        }

        var distribution = copyClock.Elapsed.TotalSeconds;
        Assert.True(ImageFiles.SameBytes(image, dir.Combine("copy2.raw")));
        double copiesRun;
        await using (var copy1 = await NbdPeerServer.StartAsync(NbdPeerServer.Nbdkit, dir.Combine("copy1.raw"), dir.Combine("copy1.sock"), s_serverFilters))
        await using (var copy2 = await NbdPeerServer.StartAsync(NbdPeerServer.Nbdkit, dir.Combine("copy2.raw"), dir.Combine("copy2.sock"), s_serverFilters))
        {
            copiesRun = await ReadAllAsync([.. Enumerable.Range(0, Vms).Select(i => i % 2 == 0 ? copy1.Uri : copy2.Uri)]);
        }

        var measuredCopies = distribution + copiesRun;

        // On-demand: one pseudo image per host, empty at first, fetching misses from the real server.
        var measuredOnDemand = await RunOnDemandAsync(dir, real.Uri);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"shared k=1:    predicted {predictedShared.CloudSeconds:0.00} s, measured {measuredShared:0.00} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"unicast k=2:   predicted {predictedCopies.DistributionSeconds:0.00} + {predictedCopies.RunningSeconds:0.00} = {predictedCopies.CloudSeconds:0.00} s, measured {distribution:0.00} + {copiesRun:0.00} = {measuredCopies:0.00} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"on-demand k=2: predicted {predictedOnDemand.CloudSeconds:0.00} s, measured {measuredOnDemand:0.00} s"));
        AssertWithin(predictedShared.CloudSeconds, measuredShared, "shared cloud time");
        AssertWithin(predictedCopies.DistributionSeconds, distribution, "unicast distribution time");
        AssertWithin(predictedCopies.RunningSeconds, copiesRun, "running time on two copies");
        AssertWithin(predictedOnDemand.CloudSeconds, measuredOnDemand, "on-demand cloud time");
        Assert.Equal(predictedCopies.CloudSeconds < predictedShared.CloudSeconds, measuredCopies < measuredShared);
        Assert.Equal(predictedOnDemand.CloudSeconds < predictedCopies.CloudSeconds, measuredOnDemand < measuredCopies);
    }

    private static async Task<double> RunOnDemandAsync(TempDirectory dir, NbdUri realServer)
    {
        var pseudoUris = new List<NbdUri>();
        var servers = new List<NbdServer>();
        var pseudos = new List<PseudoImage>();
        try
        {
            for (var host = 0; host < 2; host++)
            {
                var upstream = await NbdClient.ConnectAsync(realServer);
                var pseudo = await PseudoImage.OpenAsync(new PseudoImageOptions { CacheDirectory = dir.Combine($"pseudo{host}"), Identity = "base" }, upstream, null, CancellationToken.None);
                pseudos.Add(pseudo);
                var exports = new NbdExportSet();
                exports.Add("base", pseudo);
                servers.Add(NbdServer.ListenUnix(dir.Combine($"pseudo{host}.sock"), exports));
                pseudoUris.Add(NbdUri.ForUnix(dir.Combine($"pseudo{host}.sock"), "base"));
            }

            var seconds = await ReadAllAsync([.. Enumerable.Range(0, Vms).Select(i => pseudoUris[i % 2])]);
            Assert.All(pseudos, p => Assert.Equal(ImageMiB, p.Status.ExtentsFetched));
            return seconds;
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            foreach (var pseudo in pseudos)
            {
                var upstream = pseudo.Upstream;
                await pseudo.DisposeAsync();
                await upstream.DisposeAsync();
            }
        }
    }

    private static void AssertWithin(double predicted, double measured, string what)
        => Assert.True(
            Math.Abs(measured - predicted) <= Tolerance * predicted,
            string.Create(CultureInfo.InvariantCulture, $"{what}: measured {measured:0.000} s is not within ±{Tolerance:P0} of the predicted {predicted:0.000} s"));

    /// <summary>One reader per URI, all at once, each reading its load sequentially one request at a time; wall seconds until the last finishes.</summary>
    private static async Task<double> ReadAllAsync(IReadOnlyList<NbdUri> servers)
    {
        var clients = new List<NbdClient>();
        try
        {
            foreach (var uri in servers)
            {
                clients.Add(await NbdClient.ConnectAsync(uri));
            }

            var clock = Stopwatch.StartNew();
            await Task.WhenAll(clients.Select((client, index) => Task.Run(() => ReadLoadAsync(client, index))));
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task ReadLoadAsync(NbdClient client, int index)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var buffer = new byte[RequestBytes];
        var requests = (long)ReadPerVmMiB * MiB / RequestBytes;
        var imageRequests = client.Size / RequestBytes;
        for (long i = 0; i < requests; i++)
        {
            // Each VM starts at its own place and wraps around the image.
            await client.ReadAsync((i + (index * 5)) % imageRequests * RequestBytes, buffer, bound.Token);
        }
    }
}
