using System.Diagnostics;
using System.Text.Json;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Remote;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Deployments;

/// <summary>
/// A deployment over the cluster's hosts, run by the manager (issue 15): place the instances by memory, make or reuse
/// the bundle on this host, distribute it to the hosts that run clones, prepare the base image by a scheme, put the
/// waiting list on the CMS this host runs, have every host resume its share at once (remote control: each host's own
/// <c>clone.create</c> with the instances planned here), and follow the CMS until every instance has its role. A host
/// that fails or dies on the way has its instances placed again on the others while they have room; what no host can
/// run is reported missing by name. The record and the placements are in the manager's store at every step, so a
/// manager that restarts finds the deployment (marked interrupted) and can remove it.
/// </summary>
internal sealed partial class ClusterDeployer(
    ClusterService cluster,
    IClusterStore store,
    RemoteControl remote,
    BundleStore bundles,
    LocalCms? cms,
    IDeploymentImages? images,
    ClusterOptions options,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>The largest self script a deployment carries to every clone (it travels on each metadata disc).</summary>
    public const int MaxSelfScriptBytes = 64 * 1024;

    /// <summary>How often the CMS and the hosts' states are read while the roles are awaited.</summary>
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<int, Slot> _slots = [];
    private readonly Dictionary<string, HostRun> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private ClusterDeployRequest _request = null!;
    private IProgress<ProgressNote>? _progress;
    private DateTimeOffset _createdAt;
    private string _memoryFormat = "stream";

    /// <summary>Runs the deployment; the report says what runs where and what is missing or failed.</summary>
    /// <exception cref="ClusterRequestException">A malformed request, an existing deployment id, no CMS here.</exception>
    /// <exception cref="ClusterCapacityException">The hosts cannot hold it; nothing was started.</exception>
    /// <exception cref="ClusterNotFoundException">A named host is not in the cluster.</exception>
    public async Task<ClusterDeployReport> DeployAsync(ClusterDeployRequest request, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        _request = Validate(request);
        _memoryFormat = request.MemoryFormat;
        _progress = progress;
        _createdAt = time.GetUtcNow();
        var local = cms ?? throw new ClusterRequestException("the manager runs no CMS, and a cluster deployment's clones register with it: set Cms:Enabled (and Cms:Listen on the clones' network) in the manager's hostd.json");
        if (await store.GetDeploymentAsync(request.DeploymentId, cancellationToken) is { } existing)
        {
            throw new ClusterRequestException($"deployment {request.DeploymentId} exists ({existing.State}): 'jumpstart deployment remove {request.DeploymentId}' first, or pick another id");
        }

        var spec = ReadSpec(request, out var bundleName);
        var candidates = await CandidatesAsync(request, cancellationToken);
        var bytesPerVm = ClusterPlacement.BytesPerVm(spec.MemoryMiB);
        var placed = ClusterPlacement.Place(candidates, [.. Enumerable.Range(1, request.Count)], bytesPerVm, request.Placement);
        foreach (var candidate in candidates)
        {
            _hosts[candidate.Host] = new HostRun(candidate.Host, candidate.FreeBytes);
        }

        foreach (var (number, host) in placed)
        {
            _slots[number] = new Slot(number, ClonePlanner.NameOf(request.DeploymentId, number)) { Host = host };
        }

        Note("placed", string.Join(", ", _slots.Values.GroupBy(s => s.Host).Select(g => $"{g.Key}: {g.Count()}")));
        await SaveAsync(ClusterDeploymentStates.Deploying, bundleName ?? ColdBootBundle, cancellationToken);
        ClusterLog.DeploymentStarted(logger, request.DeploymentId, request.Count, _hosts.Count(h => h.Value.Assigned(_slots) > 0));

        return await RunAsync(local, spec, bundleName, makeTemplate: !request.Cold && bundleName is null, cancellationToken);
    }

    /// <summary>
    /// The run from the template (when <paramref name="makeTemplate"/>) to the report: the bundle to the hosts, the
    /// images, the waiting list, the resumes of every instance still <c>placed</c> or <c>moved</c>, and the roles.
    /// </summary>
    private async Task<ClusterDeployReport> RunAsync(LocalCms local, VmSpec spec, string? bundleName, bool makeTemplate, CancellationToken cancellationToken)
    {
        var request = _request;
        var bytesPerVm = ClusterPlacement.BytesPerVm(spec.MemoryMiB);
        double? templateSeconds = null;
        try
        {
            if (makeTemplate)
            {
                var watch = Stopwatch.StartNew();
                bundleName = await MakeTemplateAsync(request, cancellationToken);
                templateSeconds = watch.Elapsed.TotalSeconds;
                await SaveAsync(ClusterDeploymentStates.Deploying, bundleName, cancellationToken);
            }

            // The breakdown starts here, as one host's does: a template made now is reported beside it, not in it.
            var startedAt = time.GetUtcNow();
            var run = new DeploymentRun(startedAt, bundleName, spec, bytesPerVm);
            var distribution = request.Cold ? null : await DistributeAsync(run, [.. _hosts.Values.Where(h => h.Assigned(_slots) > 0).Select(h => h.Host)], cancellationToken);
            var imagesResult = await PrepareImagesAsync(run, cancellationToken);
            await RegisterAsync(run, local, cancellationToken);
            await ResumeAllAsync(run, cancellationToken);
            var status = await WaitForRolesAsync(run, local, cancellationToken);
            var report = Report(run, templateSeconds, distribution, imagesResult, status);
            await SaveAsync(report.State, run.Bundle ?? ColdBootBundle, cancellationToken);
            await SaveReportAsync(report);
            ClusterLog.DeploymentEnded(logger, request.DeploymentId, report.State, report.Missing.Count, report.Failed.Count, report.AllRolesSeconds ?? -1);
            return report;
        }
        catch (OperationCanceledException)
        {
            await SaveQuietlyAsync(_resumed ? ClusterDeploymentStates.Deploying : ClusterDeploymentStates.Interrupted, bundleName);
            throw;
        }
        catch (Exception ex) when (ex is ClusterException or LocalRpcException or Cms.CmsException or VmException or IOException)
        {
            await SaveQuietlyAsync(ClusterDeploymentStates.Failed, bundleName);
            ClusterLog.DeploymentFailed(logger, request.DeploymentId, ex.Message);
            throw;
        }
    }

    /// <summary>The bundle a cold boot's record names.</summary>
    public const string ColdBootBundle = "(cold boot)";

    private static ClusterDeployRequest Validate(ClusterDeployRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count is < 1 or > ClusterDeployRequest.MaxCount)
        {
            throw new ClusterRequestException($"count must be 1 to {ClusterDeployRequest.MaxCount}, not {request.Count}");
        }

        try
        {
            ClonePlanner.Validate(new ClonePlanRequest { Count = request.Count, Prefix = request.DeploymentId, FirstAddress = request.FirstAddress, Gateway = request.Gateway }, ClusterDeployRequest.MaxCount);
            ClusterDeploymentSpec.Policy(request.Policy);
        }
        catch (ClonePlanException ex)
        {
            throw new ClusterRequestException(ex.Message, ex);
        }

        if (!PlacementModes.IsValid(request.Placement))
        {
            throw new ClusterRequestException($"placement must be one of {string.Join(", ", PlacementModes.All)}, not '{request.Placement}'");
        }

        if (request.Transport is { } transport && !BundleTransports.IsValid(transport))
        {
            throw new ClusterRequestException($"unknown transport '{transport}' (one of {string.Join(", ", BundleTransports.All)})");
        }

        if (request.Cold ? request.SpecFile is null || request.Bundle is not null : request.SpecFile is null && request.Bundle is null)
        {
            throw new ClusterRequestException(request.Cold ? "a cold boot needs a spec file and no bundle" : "give a spec file (a template is made now) or a bundle");
        }

        if (request.MemoryFormat is not ("stream" or "mapped"))
        {
            throw new ClusterRequestException($"memory format must be stream or mapped, not '{request.MemoryFormat}'");
        }

        if (request.TimeoutSeconds <= 0)
        {
            throw new ClusterRequestException("the timeout must be positive");
        }

        if (request.SelfScript is { } script && System.Text.Encoding.UTF8.GetByteCount(script) > MaxSelfScriptBytes)
        {
            throw new ClusterRequestException($"the self script exceeds {MaxSelfScriptBytes} bytes");
        }

        if (request.Hosts.Count > ClusterLimits.MaxHosts)
        {
            throw new ClusterRequestException($"name at most {ClusterLimits.MaxHosts} hosts");
        }

        return request;
    }

    /// <summary>The VM spec the clones run: the template's spec file, or the bundle's own (on this host or in its cache).</summary>
    private VmSpec ReadSpec(ClusterDeployRequest request, out string? bundleName)
    {
        bundleName = null;
        try
        {
            if (request.SpecFile is { } file)
            {
                return VmSpecJson.Load(file);
            }

            var directory = bundles.Resolve(request.Bundle!);
            if (!File.Exists(Path.Combine(directory, BundleFiles.Spec)))
            {
                throw new ClusterRequestException($"the manager holds no bundle {request.Bundle} ('jumpstart bundle list'; make one with --spec)");
            }

            bundleName = request.Bundle;
            var manifest = System.Text.Json.JsonSerializer.Deserialize<BundleManifest>(
                BoundedFile.ReadAllBytes(Path.Combine(directory, BundleManifest.FileName), BundleFiles.MaxJsonBytes), BundleJson.Options);

            // The report names the format the clones resume from: the bundle's own, not the request's default.
            _memoryFormat = manifest?.MemoryFormat.ToString().ToLowerInvariant() ?? _memoryFormat;
            return VmSpecJson.Load(Path.Combine(directory, BundleFiles.Spec));
        }
        catch (Exception ex) when (ex is VmSpecException or BundleException or JsonException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or InputFileException)
        {
            throw new ClusterRequestException($"cannot read the VM spec: {ex.Message}", ex);
        }
    }

    /// <summary>The hosts placement may use: the named ones (or all), up, with the memory their last heartbeat reported.</summary>
    private async Task<IReadOnlyList<PlacementCandidate>> CandidatesAsync(ClusterDeployRequest request, CancellationToken cancellationToken)
    {
        var all = await store.ListHostsAsync(cancellationToken);
        var named = request.Hosts.Select(h => HostNames.Require(h, "host name")).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var name in named.Where(n => !all.Any(h => HostNames.Same(h.Name, n) && h.State != HostStates.Removed)))
        {
            throw new ClusterNotFoundException($"no host named {name} in the cluster ('jumpstart cluster hosts')");
        }

        var chosen = all.Where(h => h.State != HostStates.Removed && (named.Count == 0 || named.Any(n => HostNames.Same(n, h.Name)))).ToList();
        foreach (var down in chosen.Where(h => h.State != HostStates.Up))
        {
            Note("skipping", $"{down.Name} is {down.State}: nothing is placed on it");
        }

        var reserve = options.HostMemoryReserveMiB * 1024L * 1024;
        var up = chosen.Where(h => h.State == HostStates.Up)
            .Select(h => new PlacementCandidate(h.Name, Math.Max(0, (h.Capacity?.MemoryAvailableBytes ?? 0) - reserve)))
            .ToList();
        if (up.Count == 0)
        {
            throw new ClusterCapacityException(named.Count == 0 ? "no host of the cluster is up" : $"none of {string.Join(", ", named)} is up");
        }

        return up;
    }

    /// <summary>Boots the template on this host and suspends it into the bundle <c>ID-template</c>.</summary>
    private async Task<string> MakeTemplateAsync(ClusterDeployRequest request, CancellationToken cancellationToken)
    {
        var name = $"{request.DeploymentId}-template";
        Note("template", $"booting the template from {request.SpecFile} and suspending it into {name} ({request.MemoryFormat})");
        var created = await CallAsync<BundleInfo>(
            remote.Name,
            HostMethods.TemplateCreate,
            new TemplateCreateRequest
            {
                Name = name,
                SpecFile = Path.GetFullPath(request.SpecFile!),
                MemoryFormat = request.MemoryFormat,
                ReadyMarker = request.ReadyMarker,
                WarmUp = request.WarmUp,
            },
            cancellationToken);
        return created.Name;
    }

    private async Task<T> CallAsync<T>(string host, string method, object parameters, CancellationToken cancellationToken)
    {
        var answer = await remote.CallAsync(host, method, parameters, _progress, cancellationToken);
        return answer.Deserialize<T>(JsonRpcWire.SerializerOptions) ?? throw new ClusterUnreachableException($"{host} answered {method} with nothing");
    }

    private void Note(string stage, string detail)
        => _progress?.Report(new ProgressNote { Operation = ClusterMethods.Deploy, Stage = stage, Detail = detail });

    /// <summary>What one deployment run carries between its steps.</summary>
    private sealed record DeploymentRun(DateTimeOffset StartedAt, string? Bundle, VmSpec Spec, long BytesPerVm)
    {
        /// <summary>Every instance as planned (identity, token), by number.</summary>
        public IReadOnlyDictionary<int, PlannedClone> Planned { get; set; } = new Dictionary<int, PlannedClone>();
    }

    /// <summary>One instance: where it is placed now, where it was before, and how its host reported it.</summary>
    private sealed class Slot(int number, string name)
    {
        public int Number { get; } = number;

        public string Name { get; } = name;

        public required string Host { get; set; }

        public string State { get; set; } = PlacementStates.Placed;

        public List<string> MovedFrom { get; } = [];

        public string? Detail { get; set; }

        public CloneResult? Result { get; set; }

        public DateTimeOffset? DispatchedAt { get; set; }
    }

    /// <summary>One host's part: its memory at the start, the bundle, its clone call, and whether it failed.</summary>
    private sealed class HostRun(string host, long freeBytes)
    {
        public string Host { get; } = host;

        public long FreeBytes { get; } = freeBytes;

        public bool HasBundle { get; set; }

        public double? DistributionSeconds { get; set; }

        public double? ResumeSeconds { get; set; }

        /// <summary>Why this host is out of the deployment (it died, refused, or lost the bundle); null while it takes part.</summary>
        public string? Error { get; set; }

        public int Assigned(IReadOnlyDictionary<int, Slot> slots)
            => slots.Values.Count(s => HostNames.Same(s.Host, Host) && s.State is not (PlacementStates.Moved or PlacementStates.Missing));
    }
}
