using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Jumpstart.Hostd.Bundles;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Vm;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Deploy;

/// <summary>
/// One host, end to end, through hostd's API: (template -> state bundle) -> bundle verified -> CMS
/// deployment with a waiting list and a policy -> N clones resumed (or cold-booted) -> every clone
/// configured with its role. Reports each step through <c>progress</c> and returns the breakdown.
/// </summary>
/// <param name="hostd">A connection to hostd's control socket.</param>
/// <param name="connectCms">Opens an admin connection to the CMS the clones register with (only once the bundle is ready: the CMS closes idle connections).</param>
/// <param name="cmsEndpoint">The CMS as the guests reach it.</param>
public sealed class DeployRunner(JsonRpcPeer hostd, Func<CancellationToken, Task<CmsAdminClient>> connectCms, DnsEndPoint cmsEndpoint)
{
    /// <summary>Runs the deploy; the report says whether every clone got its role (<see cref="DeployReport.Complete"/>).</summary>
    /// <exception cref="RemoteInvocationException">hostd refused (bad bundle, spec mismatch, QEMU failure): nothing of this deploy runs.</exception>
    /// <exception cref="DeployException">Some clones failed to start; the others were left running.</exception>
    public async Task<DeployReport> RunAsync(DeployOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        double? templateSeconds = null;
        string? bundle = null;
        VmSpec spec;
        if (options.ColdBoot)
        {
            spec = await ReadSpecAsync(options.TemplateSpecFile!, cancellationToken);
        }
        else
        {
            if (options.Bundle is null)
            {
                progress($"booting template {options.TemplateName} from {options.TemplateSpecFile} and suspending it ({options.MemoryFormat})");
                var watch = Stopwatch.StartNew();
                var created = await hostd.InvokeAsync<BundleInfo>(HostMethods.TemplateCreate, TemplateRequest(options), cancellationToken);
                templateSeconds = watch.Elapsed.TotalSeconds;
                progress($"state bundle {created.Name} ready after {templateSeconds:0.0} s ({created.TotalBytes / (1024 * 1024)} MiB)");
            }

            // Verified before the CMS hears of the deployment: a bad bundle leaves nothing behind.
            var verified = await hostd.InvokeAsync<BundleInfo>(HostMethods.BundleVerify, new NameRequest { Name = options.Bundle ?? options.TemplateName }, cancellationToken);
            bundle = verified.Name;
            spec = await ReadSpecAsync(Path.Combine(verified.Path, BundleFiles.Spec), cancellationToken);
            progress($"bundle {bundle} verified ({verified.MemoryFormat}, {verified.TotalBytes / (1024 * 1024)} MiB)");
        }

        var templateMac = spec.Nic?.Mac ?? throw new DeployException("the VM spec has no NIC, so clones could not be given addresses");
        var plan = ClonePlan.Create(options.DeploymentId, options.Count, templateMac, options.FirstAddress, options.Gateway, cmsEndpoint);
        await using var cms = await connectCms(cancellationToken);
        await cms.CreateAsync(ClusterDeploymentSpec.Create(options.DeploymentId, ClusterDeploymentSpec.Policy(options.Policy), plan.Instances), cancellationToken);
        progress($"CMS deployment {options.DeploymentId}: {options.Count} instances, policy {options.Policy}");

        var instances = plan.Clones.Select(c => new CloneInstanceRequest { Name = c.Name, Metadata = c.Metadata }).ToList();
        progress(options.ColdBoot ? $"cold-booting {options.Count} VMs" : $"resuming {options.Count} clones from {bundle}");
        var report = options.ColdBoot
            ? await hostd.InvokeAsync<CloneReport>(HostMethods.VmBoot, new BootRequest { SpecFile = Path.GetFullPath(options.TemplateSpecFile!), Clones = instances }, cancellationToken)
            : await hostd.InvokeAsync<CloneReport>(HostMethods.Clone, new CloneRequest { Bundle = bundle!, Clones = instances, Spec = await ExpectedSpecAsync(options, cancellationToken) }, cancellationToken);
        var failed = report.Clones.Where(c => !c.Succeeded).ToList();
        if (failed.Count > 0)
        {
            throw new DeployException($"{failed.Count} of {report.Clones.Count} VMs failed to start: {string.Join("; ", failed.Select(f => $"{f.Name}: {f.Error}"))}");
        }

        var timelines = report.Clones.Select(c => Timeline(report.StartedAt, c)).ToList();
        progress($"{timelines.Count} VMs running after {report.TotalSeconds:0.00} s; waiting for their roles");

        var remaining = options.Timeout - (DateTimeOffset.UtcNow - report.StartedAt);
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
            Bundle = bundle ?? "(cold boot)",
            MemoryFormat = options.ColdBoot ? "cold-boot" : options.MemoryFormat,
            TemplateSeconds = templateSeconds,
            Timelines = withCms,
            Cms = status,
            Breakdown = DeployBreakdown.From(report.StartedAt, withCms),
        };
    }

    private static TemplateCreateRequest TemplateRequest(DeployOptions options) => new()
    {
        Name = options.TemplateName,
        SpecFile = Path.GetFullPath(options.TemplateSpecFile!),
        MemoryFormat = options.MemoryFormat,
        ReadyMarker = options.ReadyMarker,

        // hostd makes a warm-up disc and waits for guestd to apply it, so the code paths clones run are warm in the bundle.
        WarmUp = options.WarmUp,
    };

    /// <summary>With both --bundle and --spec, the spec is the device set the operator expects; hostd refuses a bundle that differs.</summary>
    private static async Task<JsonElement?> ExpectedSpecAsync(DeployOptions options, CancellationToken cancellationToken)
    {
        if (options.Bundle is null || options.TemplateSpecFile is null)
        {
            return null;
        }

        await using var file = File.OpenRead(options.TemplateSpecFile);
        using var document = await JsonDocument.ParseAsync(file, cancellationToken: cancellationToken);
        return document.RootElement.Clone();
    }

    private static async Task<VmSpec> ReadSpecAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        if (file.Length > BundleFiles.MaxJsonBytes)
        {
            throw new InvalidDataException($"{path} is larger than {BundleFiles.MaxJsonBytes} bytes");
        }

        return await JsonSerializer.DeserializeAsync<VmSpec>(file, BundleJson.Options, cancellationToken)
            ?? throw new InvalidDataException($"{path} holds no VM spec");
    }

    private static CloneTimeline Timeline(DateTimeOffset requestedAt, CloneResult clone)
    {
        DateTimeOffset? At(string stage) => clone.Stages.LastOrDefault(s => s.Stage == stage)?.At;
        var last = clone.Stages.Count > 0 ? clone.Stages[^1].At : requestedAt;
        return new CloneTimeline
        {
            InstanceId = clone.Name,
            RequestedAt = requestedAt,
            DisksReadyAt = At(CloneStage.Disks) ?? requestedAt,
            SpawnedAt = At(CloneStage.Spawn),
            DiscInsertedAt = At(CloneStage.DiscInserted),
            RunningAt = At(CloneStage.Running) ?? last,
            VmGenId = clone.VmGenId,
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
