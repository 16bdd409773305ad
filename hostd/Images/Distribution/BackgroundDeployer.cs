using System.Globalization;
using Jumpstart.Shared.Nbd.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>
/// Background deployment (issue 4 §4; the paper's scheme where copies are made while the application runs,
/// with VM re-direction): every interval, read the real image server's export statistics; when its recent
/// mean latency stays over the start threshold under real load, add a replica on another host and move the
/// busiest hosts to it, about half of the real server's load; repeat (after a cool-down that lets the statistics
/// window refill) until latency is back at or under the target.
/// </summary>
public sealed class BackgroundDeployer
{
    private readonly Func<NbdExportStatistics?> _statistics;
    private readonly IReplicaHost _replicas;
    private readonly BackgroundDeployerOptions _options;
    private readonly ILogger _logger;
    private readonly List<DeployerDecision> _decisions = [];
    private int _over;
    private int _cooldown;
    private bool _inEpisode;

    /// <param name="statistics">The real image server's export statistics now (e.g. <c>() =&gt; exports.StatisticsOf("base")</c>).</param>
    /// <param name="replicas">Where replicas are made and hosts switched.</param>
    /// <param name="options">Thresholds and interval.</param>
    /// <param name="logger">Decisions are logged here.</param>
    public BackgroundDeployer(Func<NbdExportStatistics?> statistics, IReplicaHost replicas, BackgroundDeployerOptions? options = null, ILogger<BackgroundDeployer>? logger = null)
    {
        _statistics = statistics ?? throw new ArgumentNullException(nameof(statistics));
        _replicas = replicas ?? throw new ArgumentNullException(nameof(replicas));
        _options = options ?? new BackgroundDeployerOptions();
        _options.Validate();
        _logger = logger ?? NullLogger<BackgroundDeployer>.Instance;
    }

    /// <summary>Replicas added so far.</summary>
    public int Replicas { get; private set; }

    /// <summary>Every step's decision, oldest first.</summary>
    public IReadOnlyList<DeployerDecision> Decisions
    {
        get
        {
            lock (_decisions)
            {
                return [.. _decisions];
            }
        }
    }

    /// <summary>Steps every <see cref="BackgroundDeployerOptions.Interval"/> until cancelled; a failed step is logged and retried.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.Interval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await StepAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                DistributionLog.StepFailed(_logger, ex);
            }
        }
    }

    /// <summary>One look at the statistics and, when the policy says so, one replica added.</summary>
    public async Task<DeployerDecision> StepAsync(CancellationToken cancellationToken)
    {
        var stats = _statistics();
        if (stats is null)
        {
            return Record(new DeployerDecision(DeployerAction.NoStatistics, "the export has no statistics", 0, 0, Replicas));
        }

        var latency = stats.RecentMeanLatencyMicroseconds;
        var rate = stats.RequestsPerSecond;
        if (_cooldown > 0)
        {
            _cooldown--;
            return Record(new DeployerDecision(DeployerAction.CoolingDown, "waiting for the last switch to show in the statistics", latency, rate, Replicas));
        }

        if (latency <= _options.TargetLatencyMicroseconds || rate < _options.MinRequestsPerSecond)
        {
            _over = 0;
            _inEpisode = false;
            return Record(new DeployerDecision(
                latency <= _options.TargetLatencyMicroseconds ? DeployerAction.Healthy : DeployerAction.Watching,
                latency <= _options.TargetLatencyMicroseconds ? "latency at or under the target" : "load too low to act on",
                latency, rate, Replicas));
        }

        var threshold = _inEpisode ? _options.TargetLatencyMicroseconds : _options.StartLatencyMicroseconds;
        if (latency <= threshold)
        {
            _over = 0;
            return Record(new DeployerDecision(DeployerAction.Watching, "over the target, under the start threshold", latency, rate, Replicas));
        }

        if (++_over < _options.ConsecutiveSamples)
        {
            return Record(new DeployerDecision(DeployerAction.Watching, string.Create(CultureInfo.InvariantCulture, $"over the threshold {_over}/{_options.ConsecutiveSamples}"), latency, rate, Replicas));
        }

        if (Replicas >= _options.MaxReplicas)
        {
            return Record(new DeployerDecision(DeployerAction.AtMaxReplicas, "the maximum number of replicas is reached", latency, rate, Replicas));
        }

        var hosts = await _replicas.HostsOnRealServerAsync(cancellationToken);
        var moving = ChooseHostsToMove(hosts);
        if (moving.Count == 0)
        {
            return Record(new DeployerDecision(DeployerAction.NothingToMove, "no host reads from the real server", latency, rate, Replicas));
        }

        var replica = await _replicas.StartReplicaAsync(Replicas + 1, cancellationToken);
        await _replicas.SwitchUpstreamAsync(replica, moving, cancellationToken);
        Replicas++;
        _over = 0;
        _inEpisode = true;
        _cooldown = _options.CooldownIntervals;
        return Record(new DeployerDecision(DeployerAction.AddedReplica, $"moved {moving.Count} of {hosts.Count} hosts", latency, rate, Replicas, replica, moving));
    }

    /// <summary>The busiest hosts first until about half of the real server's load moves (at least one host).</summary>
    internal static IReadOnlyList<string> ChooseHostsToMove(IReadOnlyList<HostLoad> hosts)
    {
        var total = hosts.Sum(h => Math.Max(0, h.RequestsPerSecond));
        var moving = new List<string>();
        var moved = 0.0;
        foreach (var host in hosts.OrderByDescending(h => h.RequestsPerSecond).ThenBy(h => h.Host, StringComparer.Ordinal))
        {
            if (moving.Count > 0 && (moved >= total / 2 || moving.Count >= hosts.Count - 1))
            {
                break;
            }

            moving.Add(host.Host);
            moved += Math.Max(0, host.RequestsPerSecond);
        }

        return moving;
    }

    private DeployerDecision Record(DeployerDecision decision)
    {
        lock (_decisions)
        {
            _decisions.Add(decision);
        }

        if (decision.Replica is not null)
        {
            var action = $"{decision.Action} {decision.Replica} <- {string.Join(',', decision.MovedHosts ?? [])}";
            DistributionLog.Decision(_logger, action, decision.Reason, decision.LatencyMicroseconds, decision.RequestsPerSecond, decision.Replicas);
        }
        else
        {
            DistributionLog.Observation(_logger, decision.Action.ToString(), decision.Reason, decision.LatencyMicroseconds, decision.RequestsPerSecond, decision.Replicas);
        }

        return decision;
    }
}
