using System.Diagnostics;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>Cold boot: the baseline a deploy compares clones with.</summary>
public sealed partial class CloneOrchestrator
{
    public const string BootOperation = "vm.boot";

    /// <summary>
    /// Boots one VM per entry from <paramref name="spec"/> (fresh overlays over the base images, a new
    /// vmgenid, a tap), inserting its metadata disc right after QEMU starts, so the guest finds it
    /// when guestd comes up.
    /// </summary>
    /// <exception cref="VmSpecException">Invalid spec, or base images missing: nothing was started.</exception>
    /// <exception cref="ArgumentException">Bad names or counts: nothing was started.</exception>
    public Task<CloneReport> BootAsync(
        VmSpec spec,
        IReadOnlyDictionary<string, TemplateBaseImage> baseImages,
        IReadOnlyList<CloneInstanceRequest> vms,
        bool network,
        int? concurrency,
        IProgress<ProgressNote>? progress,
        CancellationToken cancellationToken)
        => BootAsync(spec, baseImages, plan: null, vms, registrar: null, network, concurrency, progress, cancellationToken);

    /// <summary>
    /// Like the other overload, but the VMs come from <paramref name="plan"/> (planned against the spec's NIC, as clones are,
    /// and announced to <paramref name="registrar"/>) or are given in <paramref name="vms"/>: exactly one of the two.
    /// </summary>
    /// <exception cref="ClonePlanException">The plan is malformed, or both or neither were given: nothing was started.</exception>
    public async Task<CloneReport> BootAsync(
        VmSpec spec,
        IReadOnlyDictionary<string, TemplateBaseImage> baseImages,
        ClonePlanRequest? plan,
        IReadOnlyList<CloneInstanceRequest>? vms,
        ICloneRegistrar? registrar,
        bool network,
        int? concurrency,
        IProgress<ProgressNote>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(baseImages);
        VmSpecValidator.Validate(spec);
        ValidateSource(plan, vms);
        var missing = spec.Disks.Where(d => !baseImages.ContainsKey(d.Id)).Select(d => $"no base image for disk '{d.Id}'").ToList();
        if (missing.Count > 0)
        {
            throw new VmSpecException("cannot boot", missing);
        }

        var startedAt = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var backing = spec.Disks.ToDictionary(d => d.Id, d => baseImages[d.Id]);
        var planned = await PlanAsync(plan, vms, spec, registrar, cancellationToken);
        var results = await RunAllAsync(
            planned,
            concurrency,
            vm =>
            {
                var stages = new CloneStageClock(BootOperation, vm.Name, startedAt, clock, progress, verifySeconds: null);
                return RunInstanceAsync(vm, "cold boot", network, stages, backing, async (launch, paths) =>
                {
                    var handle = await supervisor.StartAsync(launch with { Spec = spec, Role = VmRoles.Clone }, cancellationToken);
                    stages.Mark(CloneStage.Spawn);
                    if (spec.Cdrom is { } cdrom)
                    {
                        await handle.Qmp.ChangeMediumAsync(cdrom.Id, paths.MetadataDisc, cancellationToken);
                        stages.Mark(CloneStage.DiscInserted);
                    }

                    return handle;
                }, cancellationToken);
            },
            cancellationToken);
        return new CloneReport
        {
            Bundle = "(cold boot)",
            DeploymentId = registrar is null ? null : plan?.Prefix,
            StartedAt = startedAt,
            TotalSeconds = clock.Elapsed.TotalSeconds,
            Clones = results,
        };
    }
}
