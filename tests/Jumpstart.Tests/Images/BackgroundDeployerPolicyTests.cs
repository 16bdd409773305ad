using Jumpstart.Hostd.Images.Distribution;
using Jumpstart.Shared.Nbd.Server;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Images;

/// <summary>The background-deployment controller fed scripted statistics sequences (the replica host is recorded, not run).</summary>
[Trait(Capabilities.Trait, Capabilities.Nbd)]
public sealed class BackgroundDeployerPolicyTests
{
    private static readonly BackgroundDeployerOptions s_options = new()
    {
        StartLatencyMicroseconds = 5_000,
        TargetLatencyMicroseconds = 2_000,
        ConsecutiveSamples = 2,
        CooldownIntervals = 1,
        MinRequestsPerSecond = 10,
        MaxReplicas = 3,
    };

    [Fact]
    public async Task OneSlowSample_IsNoise_TwoInARow_AddAReplica()
    {
        var host = new RecordingReplicaHost(("h1", 100), ("h2", 50), ("h3", 10));
        var deployer = Deployer(host, [(1_000, 100), (9_000, 100), (1_000, 100), (9_000, 100), (9_000, 100)]);

        var actions = await StepAllAsync(deployer, 5);

        Assert.Equal([DeployerAction.Healthy, DeployerAction.Watching, DeployerAction.Healthy, DeployerAction.Watching, DeployerAction.AddedReplica], actions);
        Assert.Equal(["replica-1 <- h1"], host.Switches);
    }

    [Fact]
    public async Task Episode_KeepsAddingWhileOverTheTarget_AndStopsAtIt()
    {
        var host = new RecordingReplicaHost(("h1", 40), ("h2", 30), ("h3", 20), ("h4", 10));

        // Start at 8 ms; after the first replica 3 ms is under the start threshold but over the target: the episode goes on.
        var deployer = Deployer(host, [(8_000, 100), (8_000, 100), (3_000, 100), (3_000, 100), (3_000, 100), (3_000, 100), (1_500, 100), (3_000, 100), (3_000, 100)]);

        var actions = await StepAllAsync(deployer, 9);

        Assert.Equal(
            [
                DeployerAction.Watching, DeployerAction.AddedReplica, DeployerAction.CoolingDown,
                DeployerAction.Watching, DeployerAction.AddedReplica, DeployerAction.CoolingDown,
                DeployerAction.Healthy, DeployerAction.Watching, DeployerAction.Watching,
            ],
            actions);
        Assert.Equal(2, deployer.Replicas);
        Assert.Equal(["replica-1 <- h1,h2", "replica-2 <- h3"], host.Switches);
    }

    [Fact]
    public async Task BusyButFewRequests_IsNotActedOn()
    {
        var host = new RecordingReplicaHost(("h1", 1));
        var deployer = Deployer(host, [(50_000, 2), (50_000, 2), (50_000, 2)]);

        var actions = await StepAllAsync(deployer, 3);

        Assert.All(actions, a => Assert.Equal(DeployerAction.Watching, a));
        Assert.Empty(host.Switches);
    }

    [Fact]
    public async Task AtTheMaximum_ItStopsAddingAndSaysSo()
    {
        var host = new RecordingReplicaHost(("h1", 10), ("h2", 10), ("h3", 10), ("h4", 10), ("h5", 10));
        var deployer = Deployer(host, Enumerable.Repeat((20_000.0, 100.0), 12).ToArray());

        var actions = await StepAllAsync(deployer, 12);

        Assert.Equal(3, actions.Count(a => a == DeployerAction.AddedReplica));
        Assert.Equal(DeployerAction.AtMaxReplicas, actions[^1]);
        Assert.Equal(3, host.Started);
    }

    [Fact]
    public async Task NoHostOnTheRealServer_NothingToMove_NoReplicaStarted()
    {
        var host = new RecordingReplicaHost();
        var deployer = Deployer(host, [(9_000, 100), (9_000, 100)]);

        var actions = await StepAllAsync(deployer, 2);

        Assert.Equal(DeployerAction.NothingToMove, actions[^1]);
        Assert.Equal(0, host.Started);
    }

    [Fact]
    public void HostsToMove_AreTheBusiestUpToHalfTheLoad_NeverAll()
    {
        Assert.Equal(["b"], BackgroundDeployer.ChooseHostsToMove([new("a", 10), new("b", 80), new("c", 10)]));
        Assert.Equal(["a", "b"], BackgroundDeployer.ChooseHostsToMove([new("a", 25), new("b", 25), new("c", 25), new("d", 25)]));
        Assert.Equal(["only"], BackgroundDeployer.ChooseHostsToMove([new("only", 5)]));
        Assert.Equal(["x"], BackgroundDeployer.ChooseHostsToMove([new("x", 0), new("y", 0)]));
    }

    [Fact]
    public void Options_WithTheTargetAboveTheStart_AreRefused()
        => Assert.Throws<ArgumentException>(() => new BackgroundDeployer(() => null, new RecordingReplicaHost(), s_options with { TargetLatencyMicroseconds = 9_000 }));

    private static BackgroundDeployer Deployer(RecordingReplicaHost host, (double LatencyMicroseconds, double RequestsPerSecond)[] script)
    {
        var next = 0;
        return new BackgroundDeployer(
            () =>
            {
                var (latency, rate) = script[Math.Min(next++, script.Length - 1)];
                return new NbdExportStatistics { Export = "base", RecentMeanLatencyMicroseconds = latency, RequestsPerSecond = rate, LatencyHistogram = new long[32] };
            },
            host,
            s_options);
    }

    private static async Task<List<DeployerAction>> StepAllAsync(BackgroundDeployer deployer, int steps)
    {
        var actions = new List<DeployerAction>();
        for (var i = 0; i < steps; i++)
        {
            actions.Add((await deployer.StepAsync(CancellationToken.None)).Action);
        }

        return actions;
    }

    /// <summary>Hosts with fixed loads; a switch removes the moved hosts from the real server.</summary>
    private sealed class RecordingReplicaHost(params (string Host, double Rate)[] hosts) : IReplicaHost
    {
        private readonly List<HostLoad> _onReal = [.. hosts.Select(h => new HostLoad(h.Host, h.Rate))];

        public List<string> Switches { get; } = [];

        public int Started { get; private set; }

        public ValueTask<IReadOnlyList<HostLoad>> HostsOnRealServerAsync(CancellationToken cancellationToken)
            => ValueTask.FromResult<IReadOnlyList<HostLoad>>([.. _onReal]);

        public ValueTask<string> StartReplicaAsync(int replicaNumber, CancellationToken cancellationToken)
        {
            Started++;
            return ValueTask.FromResult($"replica-{replicaNumber}");
        }

        public ValueTask SwitchUpstreamAsync(string replica, IReadOnlyList<string> hosts, CancellationToken cancellationToken)
        {
            Switches.Add($"{replica} <- {string.Join(',', hosts)}");
            _onReal.RemoveAll(h => hosts.Contains(h.Host));
            return ValueTask.CompletedTask;
        }
    }
}
