using System.Globalization;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Shared.Nbd.Client;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Images;

/// <summary>
/// Background deployment with real servers: our NbdServer serving a slow real image (one read at a time, 4 ms
/// each), four hosts reading it through ReplicaSets; the deployer watches the export's statistics, makes replicas
/// (real copies on new NbdServers) and switches the busiest hosts live; latency at the real server drops.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
[Collection(TimedRunsCollection.Name)]
public sealed class BackgroundDeployerIntegrationTests(ITestOutputHelper output)
{
    private const int Hosts = 4;
    private const int RequestBytes = 64 * 1024;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OverloadedRealServer_GetsReplicas_UntilLatencyIsUnderTheTarget()
    {
        using var dir = new TempDirectory("background");
        var image = ImageFiles.CreateSparse(dir.Combine("base.raw"), 4, dataEvery: 1);
        var exports = new NbdExportSet();
        using var file = FileExport.Open(image, readOnly: true);
        using var slow = new SlowExport(file, TimeSpan.FromMilliseconds(4));
        exports.Add("base", slow);
        await using var real = NbdServer.ListenUnix(dir.Combine("real.sock"), exports);
        var realUri = NbdUri.ForUnix(dir.Combine("real.sock"), "base");

        var sets = new Dictionary<string, ReplicaSet>();
        for (var i = 0; i < Hosts; i++)
        {
            sets[$"host{i}"] = await ReplicaSet.ConnectAsync([ReplicaSource.ForNbd(realUri)], null, null, CancellationToken.None);
        }

        await using var replicaHost = new LoopbackReplicaHost(dir.Path, realUri, sets);
        var options = new BackgroundDeployerOptions
        {
            Interval = TimeSpan.FromSeconds(1),
            StartLatencyMicroseconds = 10_000,
            TargetLatencyMicroseconds = 7_000,
            ConsecutiveSamples = 2,

            // The statistics window is 5 s wide: let it fill with post-switch requests before judging again.
            CooldownIntervals = 5,
            MinRequestsPerSecond = 20,
            MaxReplicas = 3,
        };
        var deployer = new BackgroundDeployer(() => exports.StatisticsOf("base"), replicaHost, options);
        using var stop = new CancellationTokenSource(s_bound);
        var readers = sets.Select(pair => Task.Run(() => ReadUntilStoppedAsync(pair.Key, pair.Value, replicaHost, stop.Token))).ToList();
        var run = deployer.RunAsync(stop.Token);
        try
        {
            await Poll.ForAsync(
                () => deployer.Decisions,
                HealthyAfterAReplica,
                s_bound,
                "latency back under the target after a replica",
                decisions => string.Join("; ", decisions.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Action} {d.LatencyMicroseconds:0} µs"))),
                TimeSpan.FromMilliseconds(200));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(readers);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            foreach (var set in sets.Values)
            {
                await set.DisposeAsync();
            }
        }

        var decisions = deployer.Decisions;
        foreach (var d in decisions)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d.Action,-13} {d.LatencyMicroseconds,8:0} µs {d.RequestsPerSecond,6:0} req/s replicas {d.Replicas} {d.Replica} {string.Join(',', d.MovedHosts ?? [])}"));
        }

        Assert.True(HealthyAfterAReplica(decisions), "latency did not come back under the target within the bound");
        var added = decisions.Where(d => d.Action == DeployerAction.AddedReplica).ToList();
        var before = added[0].LatencyMicroseconds;
        var after = decisions[^1].LatencyMicroseconds;
        Assert.True(after < before / 1.5, $"latency {before:0} µs -> {after:0} µs");
        Assert.True(replicaHost.ReplicaExports.StatisticsOf("replica-1")!.Reads > 0, "moved hosts must read from the replica");
        Assert.Equal(added.Sum(d => d.MovedHosts!.Count), sets.Values.Count(s => s.PrimaryIndex > 0));
    }

    private static bool HealthyAfterAReplica(IReadOnlyList<DeployerDecision> decisions)
        => decisions.Any(d => d.Action == DeployerAction.AddedReplica) && decisions[^1].Action == DeployerAction.Healthy;

    /// <summary>A host's VM: reads 64 KiB blocks in a fixed pseudo-random order until stopped; any read error fails the test.</summary>
    private static async Task ReadUntilStoppedAsync(string host, ReplicaSet set, LoopbackReplicaHost counter, CancellationToken stop)
    {
        var random = new Random(host.GetHashCode(StringComparison.Ordinal));
        var buffer = new byte[RequestBytes];
        var blocks = set.Size / RequestBytes;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await set.ReadAsync(random.NextInt64(blocks) * RequestBytes, buffer, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            counter.CountRead(host);
        }
    }
}
