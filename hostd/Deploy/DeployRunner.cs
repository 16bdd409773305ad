using System.Diagnostics;
using Jumpstart.Hostd.Cms;
using Jumpstart.Shared.Cms;

namespace Jumpstart.Hostd.Deploy;

/// <summary>
/// One host, end to end: (template -> state bundle) -> CMS deployment with a waiting list and a
/// policy -> N clones resumed (or cold-booted) -> every clone configured with its role. Reports each
/// step through <c>progress</c> and returns the per-stage breakdown.
/// </summary>
public sealed class DeployRunner(IDeployHost host, CmsAdminClient cms, string cmsEndpoint)
{
    /// <summary>Runs the deploy; the report says whether every clone got its role (<see cref="DeployReport.Complete"/>).</summary>
    public async Task<DeployReport> RunAsync(DeployOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        if (options.Count is < 1 or > DeployOptions.MaxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Count, $"the clone count must be 1 to {DeployOptions.MaxCount}");
        }

        double? templateSeconds = null;
        var bundle = options.Bundle;
        if (!options.ColdBoot && bundle is null)
        {
            var spec = options.TemplateSpecFile ?? throw new ArgumentException("give a bundle or a template spec", nameof(options));
            progress($"booting the template from {spec} and suspending it ({options.MemoryFormat})");
            var watch = Stopwatch.StartNew();
            bundle = await host.CreateBundleAsync(spec, options.MemoryFormat, progress, cancellationToken);
            templateSeconds = watch.Elapsed.TotalSeconds;
            progress($"state bundle {bundle} ready after {templateSeconds:0.0} s");
        }

        var instances = Enumerable.Range(0, options.Count)
            .Select(i => new ExpectedInstance { InstanceId = ClusterDeploymentSpec.InstanceId(options.DeploymentId, i), Token = ClusterDeploymentSpec.NewToken(), Rank = i })
            .ToList();
        await cms.CreateAsync(ClusterDeploymentSpec.Create(options.DeploymentId, ClusterDeploymentSpec.Policy(options.Policy), instances), cancellationToken);
        progress($"CMS deployment {options.DeploymentId}: {options.Count} instances, policy {options.Policy}");

        var clones = new DeployClones(options.DeploymentId, cmsEndpoint, instances);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.Timeout);
        var requestedAt = DateTimeOffset.UtcNow;
        progress(options.ColdBoot ? $"cold-booting {options.Count} VMs" : $"resuming {options.Count} clones from {bundle}");
        var timelines = options.ColdBoot
            ? await host.ColdBootAsync(options.TemplateSpecFile ?? throw new ArgumentException("a cold boot needs a template spec", nameof(options)), clones, progress, bound.Token)
            : await host.CloneAsync(bundle!, clones, progress, bound.Token);
        progress($"{timelines.Count} VMs running after {(DateTimeOffset.UtcNow - requestedAt).TotalSeconds:0.00} s; waiting for their roles");

        var remaining = options.Timeout - (DateTimeOffset.UtcNow - requestedAt);
        var status = await CmsRoleWatcher.WaitAsync(
            cms,
            options.DeploymentId,
            remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero,
            s => progress($"roles: {s.Registered}/{s.Expected} registered, {s.Ready} ready, {s.Failed} failed"),
            cancellationToken);
        var withCms = Merge(timelines, status);
        return new DeployReport
        {
            DeploymentId = options.DeploymentId,
            Bundle = options.ColdBoot ? "(cold boot)" : bundle!,
            MemoryFormat = options.ColdBoot ? "cold-boot" : options.MemoryFormat,
            TemplateSeconds = templateSeconds,
            Timelines = withCms,
            Cms = status,
            Breakdown = DeployBreakdown.From(requestedAt, withCms),
        };
    }

    /// <summary>Adds the CMS's registration and ready times to each clone's timeline.</summary>
    private static List<CloneTimeline> Merge(IReadOnlyList<CloneTimeline> timelines, DeploymentStatus status)
    {
        var peers = status.Instances.ToDictionary(p => p.InstanceId, StringComparer.Ordinal);
        return [.. timelines.Select(t => peers.TryGetValue(t.InstanceId, out var peer)
            ? t with { RegisteredAt = peer.RegisteredAt, ReadyAt = peer.Phase == InstancePhase.Ready ? peer.UpdatedAt : null }
            : t)];
    }
}
