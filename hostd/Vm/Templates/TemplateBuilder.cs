using System.Text.Json;
using Jumpstart.Hostd.Qmp;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.IO;
using Microsoft.Extensions.Logging;
using Mono.Unix.Native;

namespace Jumpstart.Hostd.Vm.Templates;

/// <summary>
/// Template -> state bundle: boot the template on qcow2 deltas inside a staging directory, wait for
/// the guest, warm it up with a disc, <c>stop</c>, raise <c>max-bandwidth</c>, <c>migrate</c> to an
/// <c>exec:</c> sink, quit, checksum every part, write the manifest last and rename into place.
/// </summary>
/// <remarks>
/// QMP reference (QEMU 7.2): <c>migrate-set-capabilities</c> (<c>events</c> for MIGRATION events,
/// <c>x-ignore-shared</c> so shared RAM blocks are not sent), <c>migrate-set-parameters</c>
/// (<c>max-bandwidth</c> in bytes/s; the 32 MiB/s default would make a 512 MiB stream take 16 s),
/// <c>migrate</c>, <c>blockdev-change-medium</c>, <c>eject</c>.
/// </remarks>
public sealed class TemplateBuilder(VmSupervisor supervisor, BundleStore store, Accelerator accelerator, ILogger<TemplateBuilder> logger, TimeProvider? time = null)
{
    public const string Operation = "template.create";

    /// <summary>Effectively unlimited: the sink is a local file.</summary>
    public const long MaxBandwidthBytesPerSecond = 1L << 40;

    /// <summary>Bound on writing the migration stream.</summary>
    public static readonly TimeSpan MigrationTimeout = TimeSpan.FromMinutes(5);

    /// <summary>0444: clones' overlays use the deltas as backing files; nothing may write them again.</summary>
    private const FilePermissions ReadOnlyPart = FilePermissions.S_IRUSR | FilePermissions.S_IRGRP | FilePermissions.S_IROTH;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Boots, warms up and suspends the template; returns the verified bundle.</summary>
    /// <exception cref="VmSpecException">Invalid spec or missing base images.</exception>
    /// <exception cref="BundleException">A bundle of that name exists.</exception>
    public async Task<VerifiedBundle> CreateAsync(TemplateRequest request, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        VmNames.Require(request.Name, "bundle name");
        VmSpecValidator.Validate(request.Spec);
        if (request.Compress && request.MemoryFormat == MemoryFormat.Mapped)
        {
            throw new VmSpecException("a mapped bundle cannot be compressed (clones map its RAM file directly)");
        }

        var missing = request.Spec.Disks.Where(d => !request.BaseImages.ContainsKey(d.Id)).Select(d => $"no base image for disk '{d.Id}'").ToList();
        if (missing.Count > 0)
        {
            throw new VmSpecException("cannot make the template", missing);
        }

        var staging = store.CreateStaging(request.Name);
        var vmName = $"template-{request.Name}";
        try
        {
            Report(progress, "disks");
            var diskFiles = new Dictionary<string, string>();
            foreach (var disk in request.Spec.Disks)
            {
                var baseImage = request.BaseImages[disk.Id];
                var delta = Path.Combine(staging, BundleFiles.Disk(disk.Id));
                await QemuImg.CreateOverlayAsync(delta, baseImage.Path, baseImage.Format, cancellationToken);
                diskFiles[disk.Id] = delta;
            }

            var launch = new VmLaunch
            {
                Name = vmName,
                Spec = request.Spec,
                Accelerator = accelerator,
                DiskFiles = diskFiles,
                Memory = request.MemoryFormat == MemoryFormat.Mapped ? new VmMemory(Path.Combine(staging, BundleFiles.Ram), Shared: true) : VmMemory.Anonymous,
                Role = VmRoles.Template,
                Bundle = request.Name,
            };
            Report(progress, "booting");
            var vm = await supervisor.StartAsync(launch, cancellationToken);
            try
            {
                await PrepareGuestAsync(vm, request, progress, cancellationToken);
                Report(progress, "migrating");
                var statePath = Path.Combine(staging, request.Compress ? BundleFiles.CompressedState : BundleFiles.State);
                await SuspendAsync(vm.Qmp, request.MemoryFormat, statePath, request.Compress, cancellationToken);
            }
            finally
            {
                await supervisor.StopAsync(vmName, removeFiles: true, CancellationToken.None);
            }

            Report(progress, "checksums");
            AtomicFile.Write(Path.Combine(staging, BundleFiles.Spec), stream => JsonSerializer.Serialize(stream, request.Spec, BundleJson.Options));
            var manifest = await WriteManifestAsync(staging, request, cancellationToken);
            var final = store.Publish(staging, request.Name);
            TemplateLog.Created(logger, request.Name, request.MemoryFormat, manifest.Parts.Sum(p => p.Size));
            Report(progress, "done", final);
            return new VerifiedBundle(final, manifest, request.Spec);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Stops the VM and writes its state to <paramref name="statePath"/>; the VM stays paused in <c>postmigrate</c>.</summary>
    public static async Task SuspendAsync(QmpClient qmp, MemoryFormat format, string statePath, bool compress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        await qmp.StopAsync(cancellationToken);
        await qmp.SetMigrationCapabilitiesAsync(
            new Dictionary<string, bool> { ["events"] = true, ["x-ignore-shared"] = format == MemoryFormat.Mapped },
            cancellationToken);
        await qmp.SetMigrationParametersAsync(new { MaxBandwidth = MaxBandwidthBytesPerSecond }, cancellationToken);
        await qmp.MigrateAsync(MigrationUris.ToFile(statePath, compress), MigrationTimeout, cancellationToken);
    }

    /// <summary>
    /// Whether the warm-up disc asks guestd to zero the guest's free memory before the suspend: for a stream only.
    /// </summary>
    /// <remarks>
    /// A stream carries every page that is not all zeroes, and a guest's free pages still hold whatever was last in
    /// them (the test guest's unpacked initramfs, the runtime's start-up garbage): a third of a 384 MiB test guest.
    /// Measured on the test guest (384 MiB, TCG, 2026-12-06; tests/bench/RESULTS.md, "the stream's size"), stream
    /// sizes: 320 MiB as it was; 326 MiB after <c>drop_caches</c> and <c>compact_memory</c> (freed pages are not
    /// zeroed, and its page cache is the initramfs's tmpfs, which cannot be dropped); 227 MiB with a virtio-balloon
    /// and free page reporting; 214 MiB with <c>init_on_free=1</c>; 227 MiB with the free memory zeroed once from
    /// user space (the clone bench: 321-327 MiB before, 229-230 MiB after). The balloon would add a device to every clone (so to the spec and every bundle), reports only 2 MiB
    /// blocks some seconds after they are freed (the template would have to wait an unknown time), and QEMU 7.2
    /// discards a reported page of a private file mapping by punching a hole in the file: a mapped clone would
    /// erase pages of the bundle's RAM file under every other clone. <c>init_on_free</c> zeroes every page the
    /// clones free too, under TCG, for as long as they run. Zeroing once in the template costs the clones nothing.
    /// Not for mapped RAM: its pages never enter the stream (<c>x-ignore-shared</c>) and zeroing them would only
    /// fill the RAM file's holes.
    /// </remarks>
    public static bool ZeroFreeMemory(MemoryFormat format) => format == MemoryFormat.Stream;

    private static void Report(IProgress<ProgressNote>? progress, string stage, string? detail = null)
        => progress?.Report(new ProgressNote { Operation = Operation, Stage = stage, Detail = detail });

    private static async Task PrepareGuestAsync(VmHandle vm, TemplateRequest request, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        var serial = vm.Paths.SerialLog;
        var offset = 0L;
        if (request.ReadyMarker is { } ready)
        {
            Report(progress, "waiting for the guest", ready);
            offset = await WaitForGuestAsync(vm, serial, ready, offset, request.GuestTimeout, cancellationToken);
        }

        var (disc, doneMarker) = request.WarmupDisc is { } given
            ? (given, request.WarmupDoneMarker)
            : request.WarmUp ? WarmupDisc.Write(vm.Paths.MetadataDisc, vm.Launch.Spec, request.WarmupDoneMarker, ZeroFreeMemory(request.MemoryFormat)) : (null, null);
        if (disc is not null && vm.Launch.Spec.Cdrom is { } cdrom)
        {
            Report(progress, "warm-up", disc);
            await vm.Qmp.ChangeMediumAsync(cdrom.Id, disc, cancellationToken);
            if (doneMarker is { } done)
            {
                await WaitForGuestAsync(vm, serial, done, offset, request.GuestTimeout, cancellationToken);

                // guestd's marker line says what the warm-up did (its steps' times, the free memory it zeroed).
                Report(progress, "warmed up", SerialLog.LastLineWith(serial, done));
            }

            // The guest may hold the tray locked while it reads the disc; the clone's disc replaces it anyway.
            await vm.Qmp.EjectAsync(cdrom.Id, force: true, cancellationToken);
        }
    }

    private static async Task<long> WaitForGuestAsync(VmHandle vm, string serial, string marker, long offset, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var found = SerialLog.WaitForAsync(serial, marker, offset, timeout, cancellationToken);
        var first = await Task.WhenAny(found, vm.Ended);
        if (first != found)
        {
            throw new VmStartException(vm.Name, $"the template died while waiting for '{marker}': {SerialLog.Tail(serial, 2048)}");
        }

        try
        {
            return await found;
        }
        catch (TimeoutException ex)
        {
            // The guest never said it was ready: the VM failed to come up (exit 69), not a bug.
            throw new VmStartException(vm.Name, ex.Message, ex);
        }
    }

    private async Task<BundleManifest> WriteManifestAsync(string staging, TemplateRequest request, CancellationToken cancellationToken)
    {
        var parts = new List<BundlePart>();
        foreach (var file in Directory.EnumerateFiles(staging).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            var (role, diskId) = name switch
            {
                BundleFiles.Spec => (BundlePartRole.Spec, null),
                BundleFiles.State or BundleFiles.CompressedState => (BundlePartRole.State, null),
                BundleFiles.Ram => (BundlePartRole.Ram, null),
                _ => (BundlePartRole.Disk, (string?)request.Spec.Disks.Single(d => BundleFiles.Disk(d.Id) == name).Id),
            };
            _ = Syscall.chmod(file, ReadOnlyPart);
            parts.Add(new BundlePart
            {
                File = name,
                Role = role,
                DiskId = diskId,
                Size = new FileInfo(file).Length,
                Sha256 = await BundleVerifier.HashAsync(file, cancellationToken),
            });
        }

        var manifest = new BundleManifest
        {
            Name = request.Name,
            CreatedAt = _time.GetUtcNow(),
            MemoryFormat = request.MemoryFormat,
            Compressed = request.Compress,
            Accelerator = accelerator,
            QemuVersion = await QemuVersion.GetAsync(cancellationToken),
            Parts = parts,
        };
        AtomicFile.Write(Path.Combine(staging, BundleManifest.FileName), stream => JsonSerializer.Serialize(stream, manifest, BundleJson.Options));
        return manifest;
    }
}
