using System.Diagnostics;
using System.Text.Json;
using Jumpstart.Hostd.Bake;
using Jumpstart.Hostd.Cms;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cli.Deploy;

/// <summary>
/// One host, end to end, through hostd's API: (template -> state bundle) -> clones (or cold boots) that
/// hostd plans, verifying the bundle and creating the CMS deployment with its waiting list and policy
/// before any clone starts -> every clone configured with its role. The CLI only asks: names, MACs,
/// addresses and tokens are hostd's (<c>clone.create</c> with a plan). Reports each step through
/// <c>progress</c> and returns the breakdown.
/// </summary>
/// <param name="hostd">A connection to hostd's control socket.</param>
/// <param name="connectCms">Opens an admin connection to the CMS to watch the roles (only once the clones run: the CMS closes idle connections).</param>
/// <param name="cmsEndpoint">The CMS as host:port, for hostd's admin call and the guests' discs.</param>
/// <param name="cmsAdminToken">That CMS's admin token, which hostd uses to create the deployment.</param>
public sealed class DeployRunner(JsonRpcPeer hostd, Func<CancellationToken, Task<CmsAdminClient>> connectCms, string cmsEndpoint, string cmsAdminToken)
{
    /// <summary>Runs the deploy; the report says whether every clone got its role (<see cref="DeployReport.Complete"/>).</summary>
    /// <exception cref="RemoteInvocationException">hostd refused (bad bundle, spec mismatch, bad plan, CMS refused, QEMU failure): no clone of this deploy runs.</exception>
    /// <exception cref="DeployException">Some clones failed to start; the others were left running.</exception>
    public async Task<DeployReport> RunAsync(DeployOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        double? templateSeconds = null;
        string? bundle = null;
        if (!options.ColdBoot)
        {
            if (options.Bundle is null)
            {
                progress($"booting template {options.TemplateName} from {options.TemplateSpecFile} and suspending it ({options.MemoryFormat})");
                var watch = Stopwatch.StartNew();
                var created = await hostd.InvokeAsync<BundleInfo>(HostMethods.TemplateCreate, TemplateRequest(options), cancellationToken);
                templateSeconds = watch.Elapsed.TotalSeconds;
                progress($"state bundle {created.Name} ready after {templateSeconds:0.0} s ({created.TotalBytes / (1024 * 1024)} MiB)");
            }

            bundle = options.Bundle ?? options.TemplateName;
        }

        var plan = new ClonePlanRequest
        {
            Count = options.Count,
            Prefix = options.DeploymentId,
            FirstAddress = options.FirstAddress,
            Gateway = options.Gateway,
            Policy = options.Policy,
            Cms = cmsEndpoint,
            CmsAdminToken = cmsAdminToken,
        };
        progress(options.ColdBoot
            ? $"cold-booting {options.Count} VMs (CMS deployment {options.DeploymentId}, policy {options.Policy})"
            : $"resuming {options.Count} clones from {bundle} (CMS deployment {options.DeploymentId}, policy {options.Policy})");
        var report = options.ColdBoot
            ? await hostd.InvokeAsync<CloneReport>(HostMethods.VmBoot, ColdBootRequest(options, plan), cancellationToken)
            : await hostd.InvokeAsync<CloneReport>(HostMethods.Clone, new CloneRequest { Bundle = bundle!, Plan = plan, Spec = await ExpectedSpecAsync(options, cancellationToken) }, cancellationToken);
        var failed = report.Clones.Where(c => !c.Succeeded).ToList();
        if (failed.Count > 0)
        {
            throw new DeployException($"{failed.Count} of {report.Clones.Count} VMs failed to start: {string.Join("; ", failed.Select(f => $"{f.Name}: {f.Error}"))}");
        }

        var timelines = report.Clones.Select(c => CloneTimeline.From(report.StartedAt, c)).ToList();
        progress($"{timelines.Count} VMs running after {report.TotalSeconds:0.00} s (bundle verified in {report.VerifySeconds:0.00} s); waiting for their roles");

        await using var cms = await connectCms(cancellationToken);
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

    private static BootRequest ColdBootRequest(DeployOptions options, ClonePlanRequest plan)
    {
        if (options.ColdImage is null)
        {
            return new BootRequest { SpecFile = Path.GetFullPath(options.TemplateSpecFile!), Plan = plan };
        }

        var baked = BakedImage.Open(options.ColdImage);
        return new BootRequest
        {
            Spec = JsonSerializer.SerializeToElement(baked.Spec(append: options.ColdImageAppend), VmSpecJson.Options),
            BaseImages = baked.BaseImages.ToDictionary(b => b.Key, b => b.Value.Path),

            // The baked image is qcow2: taken as raw, the guest saw the container's bytes and found no root file system.
            BaseFormats = baked.BaseImages.ToDictionary(b => b.Key, b => b.Value.Format),
            Plan = plan,
        };
    }

    /// <summary>With both --bundle and --spec, the spec is the device set the operator expects; hostd refuses a bundle that differs.</summary>
    private static async Task<JsonElement?> ExpectedSpecAsync(DeployOptions options, CancellationToken cancellationToken)
    {
        if (options.Bundle is null || options.TemplateSpecFile is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(await BoundedFile.ReadAllBytesAsync(options.TemplateSpecFile, TemplateCommands.MaxSpecBytes, cancellationToken));
        return document.RootElement.Clone();
    }

    /// <summary>Adds the CMS's registration and ready times to each clone's timeline.</summary>
    private static List<CloneTimeline> Merge(IReadOnlyList<CloneTimeline> timelines, DeploymentStatus status)
    {
        var peers = status.Instances.ToDictionary(p => p.InstanceId, StringComparer.Ordinal);
        return [.. timelines.Select(t => peers.TryGetValue(t.InstanceId, out var peer) ? t.WithCms(peer) : t)];
    }
}
