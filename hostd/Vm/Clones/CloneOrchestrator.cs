using System.Diagnostics;
using System.Security.Cryptography;
using Jumpstart.Hostd.Qmp;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>
/// Resumes clones from a bundle: verify it once (checksums, spec, accelerator) before anything
/// starts; then per clone, with a concurrency limit: a qcow2 overlay over the bundle's read-only delta,
/// the metadata disc, a tap on the bridge, QEMU with the same device set, <c>-incoming defer</c> and a
/// new vmgenid GUID; over QMP: migration events on, <c>announce-rounds</c> 0, <c>migrate-incoming</c>,
/// wait for completion, <c>blockdev-change-medium</c> with the disc, <c>cont</c>. Each stage is timed.
/// </summary>
/// <remarks>
/// <c>announce-rounds</c> 0: after an incoming migration QEMU otherwise sends gratuitous RARPs from the
/// NIC's MAC, which is the template's for every clone (QMP reference, <c>MigrationParameters</c>).
/// A mapped bundle's RAM file is opened with <c>share=off</c> (MAP_PRIVATE): the clone's writes stay
/// private pages and the bundle never changes; <c>x-ignore-shared</c> must be on at both ends.
/// </remarks>
public sealed partial class CloneOrchestrator(VmSupervisor supervisor, BundleStore store, CloneSettings settings, ILogger<CloneOrchestrator> logger, TimeProvider? time = null)
{
    public const string Operation = "clone.create";

    /// <summary>Bound on loading the migration stream.</summary>
    public static readonly TimeSpan IncomingTimeout = TimeSpan.FromMinutes(2);

    private const int RandomSeedBytes = 64;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Verifies the bundle, then resumes every clone; a clone that fails is cleaned up and reported, the others go on.</summary>
    /// <param name="request">The bundle and the clones.</param>
    /// <param name="expectedSpec">The device set the caller expects; null accepts the bundle's.</param>
    /// <param name="progress">Receives a note per stage per clone.</param>
    /// <param name="cancellationToken">Stops waiting; clones already started keep running.</param>
    /// <exception cref="BundleException">The bundle is missing or corrupted: nothing was started.</exception>
    /// <exception cref="VmSpecException">The device set or accelerator does not match: nothing was started.</exception>
    /// <exception cref="ArgumentException">Bad names or counts: nothing was started.</exception>
    public Task<CloneReport> CloneAsync(CloneRequest request, VmSpec? expectedSpec, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
        => CloneAsync(request, expectedSpec, registrar: null, progress, cancellationToken);

    /// <summary>
    /// Verifies the bundle, plans the clones (<see cref="CloneRequest.Plan"/>, with the bundle's NIC MAC as the one to
    /// replace), registers them with <paramref name="registrar"/> if given, then resumes every clone.
    /// </summary>
    /// <param name="request">The bundle and the plan (or hand-made clones).</param>
    /// <param name="expectedSpec">The device set the caller expects; null accepts the bundle's.</param>
    /// <param name="registrar">Announces planned clones to the CMS before any starts; null: standalone clones.</param>
    /// <param name="progress">Receives a note per stage per clone.</param>
    /// <param name="cancellationToken">Stops waiting; clones already started keep running.</param>
    /// <exception cref="BundleException">The bundle is missing or corrupted: nothing was started.</exception>
    /// <exception cref="VmSpecException">The device set or accelerator does not match: nothing was started.</exception>
    /// <exception cref="ClonePlanException">The plan is malformed: nothing was started.</exception>
    /// <exception cref="ArgumentException">Bad names or counts: nothing was started.</exception>
    public async Task<CloneReport> CloneAsync(CloneRequest request, VmSpec? expectedSpec, ICloneRegistrar? registrar, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var startedAt = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        VerifiedBundle bundle;
        try
        {
            bundle = await store.VerifyAsync(request.Bundle, reuseVerified: true, cancellationToken);
            RequireCompatible(bundle, expectedSpec);
        }
        catch (Exception ex) when (ex is BundleException or VmSpecException)
        {
            CloneLog.Refused(logger, request.Bundle, ex.Message);
            throw;
        }

        var verifySeconds = clock.Elapsed.TotalSeconds;
        Metrics.HostdMetrics.BundleVerifySeconds.Record(verifySeconds);
        progress?.Report(new ProgressNote { Operation = Operation, Stage = CloneStage.Verify, Detail = $"{verifySeconds:0.000} s" });
        var clones = await PlanAsync(request.Plan, request.Clones, bundle.Spec, registrar, cancellationToken);
        var results = await RunAllAsync(
            clones,
            request.Concurrency,
            clone => CloneOneAsync(bundle, clone, request.Network, new CloneStageClock(Operation, clone.Name, startedAt, clock, progress, verifySeconds), cancellationToken),
            cancellationToken);

        return new CloneReport
        {
            Bundle = request.Bundle,
            DeploymentId = registrar is null ? null : request.Plan?.Prefix,
            StartedAt = startedAt,
            VerifySeconds = verifySeconds,
            TotalSeconds = clock.Elapsed.TotalSeconds,
            Clones = results,
        };
    }

    private void Validate(CloneRequest request)
    {
        store.Resolve(request.Bundle);
        ValidateSource(request.Plan, request.Clones);
    }

    /// <summary>Exactly one of a plan and hand-made clones; either is checked before anything is verified or started.</summary>
    private void ValidateSource(ClonePlanRequest? plan, IReadOnlyList<CloneInstanceRequest>? clones)
    {
        switch (plan, clones)
        {
            case ({ } p, null):
                ClonePlanner.Validate(p);
                break;
            case (null, { } list):
                ValidateClones(list);
                break;
            default:
                throw new ClonePlanException("give a plan or a list of clones, not both and not neither");
        }
    }

    /// <summary>The clones to start: hand-made ones as given; or planned against <paramref name="spec"/>'s NIC and announced to the CMS.</summary>
    private async Task<IReadOnlyList<CloneInstanceRequest>> PlanAsync(
        ClonePlanRequest? plan, IReadOnlyList<CloneInstanceRequest>? clones, VmSpec spec, ICloneRegistrar? registrar, CancellationToken cancellationToken)
    {
        if (plan is null)
        {
            return clones!;
        }

        var planned = ClonePlanner.Plan(plan, spec.Nic?.Mac, registrar?.GuestEndPoint);
        var requests = planned.Select(p => new CloneInstanceRequest { Name = p.Name, Metadata = p.Metadata }).ToList();
        ValidateClones(requests);
        if (registrar is not null)
        {
            await registrar.RegisterAsync(planned, cancellationToken);
        }

        return requests;
    }

    private void ValidateClones(IReadOnlyList<CloneInstanceRequest> clones)
    {
        if (clones.Count is 0 or > CloneRequest.MaxClones)
        {
            throw new VmRequestException($"a request needs 1-{CloneRequest.MaxClones} VMs, not {clones.Count}");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var clone in clones)
        {
            VmNames.Require(clone.Name, "clone name");
            if (!names.Add(clone.Name) || supervisor.List().Any(v => v.Name == clone.Name && v.State == VmState.Alive))
            {
                throw new VmRequestException($"clone name '{clone.Name}' is used twice or by a running VM");
            }

            MetadataValidator.Validate(clone.Metadata, $"the metadata of {clone.Name}");
        }
    }

    private void RequireCompatible(VerifiedBundle bundle, VmSpec? expectedSpec)
    {
        if (expectedSpec is not null)
        {
            VmSpecComparer.RequireMatch(bundle.Spec, expectedSpec);
        }

        if (bundle.Manifest.Accelerator != settings.Accelerator)
        {
            throw new VmSpecException($"the bundle was made under {bundle.Manifest.Accelerator}, this host runs {settings.Accelerator}");
        }

        var missing = new[] { bundle.Spec.Kernel, bundle.Spec.Initrd }.OfType<string>().Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            throw new VmSpecException("the spec's boot files are missing on this host", missing);
        }
    }

    private async Task<CloneResult[]> RunAllAsync(
        IReadOnlyList<CloneInstanceRequest> clones, int? concurrency, Func<CloneInstanceRequest, Task<CloneResult>> run, CancellationToken cancellationToken)
    {
        var limit = Math.Clamp(concurrency ?? settings.Concurrency, 1, CloneSettings.MaxConcurrency);
        using var gate = new SemaphoreSlim(limit, limit);
        return await Task.WhenAll(clones.Select(async clone =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await run(clone);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private async Task<CloneResult> CloneOneAsync(VerifiedBundle bundle, CloneInstanceRequest clone, bool network, CloneStageClock stages, CancellationToken cancellationToken)
    {
        var mapped = bundle.Manifest.MemoryFormat == MemoryFormat.Mapped;
        var backing = bundle.Spec.Disks.ToDictionary(d => d.Id, d => new TemplateBaseImage(bundle.DiskPath(d.Id), "qcow2"));
        return await RunInstanceAsync(clone, bundle.Manifest.Name, network, stages, backing, async (launch, paths) =>
        {
            var vm = await supervisor.StartAsync(
                launch with
                {
                    Spec = bundle.Spec,
                    Memory = mapped ? new VmMemory(bundle.PathOf(BundlePartRole.Ram), Shared: false) : VmMemory.Anonymous,
                    Incoming = true,
                    Role = VmRoles.Clone,
                    Bundle = bundle.Manifest.Name,
                },
                cancellationToken);
            stages.Mark(CloneStage.Spawn);

            var qmp = vm.Qmp;
            await qmp.SetMigrationCapabilitiesAsync(new Dictionary<string, bool> { ["events"] = true, ["x-ignore-shared"] = mapped }, cancellationToken);
            await qmp.SetMigrationParametersAsync(new { AnnounceRounds = 0 }, cancellationToken);
            await qmp.MigrateIncomingAsync(MigrationUris.FromFile(bundle.PathOf(BundlePartRole.State), bundle.Manifest.Compressed), IncomingTimeout, cancellationToken);
            stages.Mark(CloneStage.Migrated);

            if (bundle.Spec.Cdrom is { } cdrom)
            {
                await qmp.ChangeMediumAsync(cdrom.Id, paths.MetadataDisc, cancellationToken);
                stages.Mark(CloneStage.DiscInserted);
            }

            await qmp.ContinueAsync(cancellationToken);
            stages.Mark(CloneStage.Running);
            return vm;
        }, cancellationToken);
    }

    /// <summary>
    /// The part of starting a VM that clones and cold boots share: disks over their backing files,
    /// the metadata disc, the tap, then <paramref name="start"/>; on failure everything is undone and
    /// the VM is reported failed, never thrown, so its siblings go on.
    /// </summary>
    private async Task<CloneResult> RunInstanceAsync(
        CloneInstanceRequest clone,
        string source,
        bool network,
        CloneStageClock stages,
        IReadOnlyDictionary<string, TemplateBaseImage> backing,
        Func<VmLaunch, VmPaths, Task<VmHandle>> start,
        CancellationToken cancellationToken)
    {
        var paths = supervisor.PathsFor(clone.Name);
        var tap = network && settings.Bridge is not null ? TapDevice.NameFor(clone.Name) : null;
        var vmGenId = Guid.NewGuid();
        var started = false;
        try
        {
            Directory.CreateDirectory(paths.StateDirectory);
            var disks = new Dictionary<string, string>();
            foreach (var (id, image) in backing)
            {
                disks[id] = paths.DiskFile(id);
                await QemuImg.CreateOverlayAsync(disks[id], image.Path, image.Format, cancellationToken);
            }

            MetadataDisc.WriteFile(Complete(clone.Metadata), paths.MetadataDisc);
            if (tap is not null)
            {
                await TapDevice.CreateAsync(tap, settings.Bridge!, cancellationToken);
            }

            stages.Mark(CloneStage.Disks);
            var launch = new VmLaunch
            {
                Name = clone.Name,
                Spec = new VmSpec(),
                Accelerator = settings.Accelerator,
                DiskFiles = disks,
                VmGenIdGuid = vmGenId,
                TapInterface = tap,
            };
            started = true;
            var vm = await start(launch, paths);
            CloneLog.Running(logger, clone.Name, source, stages.Last);
            Metrics.HostdMetrics.CloneRunning(clone.Metadata.InstanceId, stages.Stages);
            return Identity(clone) with { Succeeded = true, Pid = vm.Pid, Tap = tap, VmGenId = vmGenId.ToString("D"), Stages = stages.Stages };
        }
        catch (Exception ex) when (ex is QmpException or VmStartException or VmSpecException or IOException or MetadataException or InvalidOperationException)
        {
            CloneLog.Failed(logger, clone.Name, source, ex.Message);
            await CleanUpAsync(clone.Name, started, paths, tap);
            return Identity(clone) with { Succeeded = false, Error = ex.Message, Stages = stages.Stages };
        }
    }

    /// <summary>Who the clone is, as its disc says: the report shows what hostd planned.</summary>
    private static CloneResult Identity(CloneInstanceRequest clone) => new()
    {
        Name = clone.Name,
        Succeeded = false,
        InstanceId = clone.Metadata.InstanceId,
        Mac = clone.Metadata.Interfaces.Select(i => i.Mac).FirstOrDefault(m => m is not null),
        Addresses = [.. clone.Metadata.Interfaces.SelectMany(i => i.Addresses)],
    };

    private async Task CleanUpAsync(string name, bool started, VmPaths paths, string? tap)
    {
        if (started && supervisor.List().Any(v => v.Name == name))
        {
            await supervisor.StopAsync(name, removeFiles: true, CancellationToken.None);
        }
        else
        {
            foreach (var directory in new[] { paths.RuntimeDirectory, paths.StateDirectory }.Where(Directory.Exists))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        if (tap is not null)
        {
            await TapDevice.DeleteAsync(tap, CancellationToken.None);
        }
    }

    private CloneMetadata Complete(CloneMetadata metadata) => metadata with
    {
        HostTime = metadata.HostTime ?? _time.GetUtcNow(),
        RandomSeed = metadata.RandomSeed ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(RandomSeedBytes)),
    };
}
