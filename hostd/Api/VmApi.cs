using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Qmp;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Deploy;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Hostd.Vm.Templates;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Api;

/// <summary>
/// The VM methods of the control socket: templates and bundles, clones, cold boots, VM list, stop
/// and console. One instance per connection, so long operations can send <see cref="HostMethods.Progress"/>
/// notifications to the client that asked. Failures become typed JSON-RPC errors (<see cref="HostErrorCodes"/>).
/// </summary>
/// <param name="host">The VM capability.</param>
/// <param name="connection">The client's connection (for progress notes).</param>
/// <param name="images">The image service that resolves <c>image:NAME</c> base images, if any.</param>
/// <param name="localCms">The CMS this hostd runs, if any: a clone plan with a policy and no CMS of its own uses it.</param>
public sealed class VmApi(VmHost host, JsonRpcPeer connection, ImageService? images = null, Func<LocalCms?>? localCms = null)
{
    /// <summary>Bound on the <c>query-status</c> each listed VM is asked.</summary>
    private static readonly TimeSpan s_statusTimeout = TimeSpan.FromSeconds(2);

    [JsonRpcMethod(HostMethods.TemplateCreate, UseSingleObjectParameterDeserialization = true)]
    public Task<BundleInfo> TemplateCreateAsync(TemplateCreateRequest request, CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async () =>
    {
        var services = host.Services;
        var format = request.MemoryFormat.ToLowerInvariant() switch
        {
            "stream" => MemoryFormat.Stream,
            "mapped" => MemoryFormat.Mapped,
            _ => throw new VmRequestException($"memory format '{request.MemoryFormat}' is not stream or mapped"),
        };
        var template = new TemplateRequest
        {
            Name = request.Name,
            Spec = SpecOf(request.Spec, request.SpecFile),
            BaseImages = request.BaseImages.ToDictionary(b => b.Key, b => new TemplateBaseImage(Resolve(b.Value), request.BaseFormats.GetValueOrDefault(b.Key, "raw"))),
            MemoryFormat = format,
            Compress = request.Compress,
            ReadyMarker = request.ReadyMarker,
            WarmupDisc = request.WarmupDisc,
            WarmupDoneMarker = request.WarmupDoneMarker,
            WarmUp = request.WarmUp,
            GuestTimeout = TimeSpan.FromSeconds(Math.Clamp(request.GuestTimeoutSeconds, 1, 3600)),
        };
        var progress = Progress();
        var bundle = await services.Templates.CreateAsync(template, progress, cancellationToken);
        await progress.FlushAsync();
        return Describe(bundle, verified: true);
    });

    [JsonRpcMethod(HostMethods.TemplateList)]
    public Task<BundleInfo[]> TemplateListAsync() => VmApiErrors.GuardAsync(() =>
    {
        var store = host.Services.Store;
        return Task.FromResult(store.List().Select(name =>
        {
            try
            {
                return Describe(BundleVerifier.ReadUnverified(store.PathOf(name)), verified: false);
            }
            catch (BundleException ex)
            {
                return new BundleInfo { Name = name, Path = store.PathOf(name), Problem = ex.Message };
            }
        }).ToArray());
    });

    [JsonRpcMethod(HostMethods.TemplateRemove, UseSingleObjectParameterDeserialization = true)]
    public Task<bool> TemplateRemoveAsync(NameRequest request) => VmApiErrors.GuardAsync(() =>
    {
        var services = host.Services;
        var users = services.Supervisor.List().Where(v => v.State == VmState.Alive && v.Launch.Bundle == request.Name).Select(v => v.Name).ToList();
        if (users.Count > 0)
        {
            throw new VmUnavailableException($"bundle {request.Name} is in use by {string.Join(", ", users)}; stop them first");
        }

        services.Store.Remove(request.Name);
        return Task.FromResult(true);
    });

    [JsonRpcMethod(HostMethods.BundleVerify, UseSingleObjectParameterDeserialization = true)]
    public Task<BundleInfo> BundleVerifyAsync(NameRequest request, CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async ()
        => Describe(await host.Services.Store.VerifyAsync(request.Name, cancellationToken), verified: true));

    [JsonRpcMethod(HostMethods.Clone, UseSingleObjectParameterDeserialization = true)]
    public Task<CloneReport> CloneAsync(CloneRequest request, CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async () =>
    {
        var progress = Progress();
        var report = await host.Services.Clones.CloneAsync(request, request.Spec is { } spec ? VmSpecJson.Parse(spec) : null, Registrar(request.Plan), progress, cancellationToken);
        await progress.FlushAsync();
        return report;
    });

    [JsonRpcMethod(HostMethods.VmBoot, UseSingleObjectParameterDeserialization = true)]
    public Task<CloneReport> BootAsync(BootRequest request, CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async () =>
    {
        var progress = Progress();
        var report = await host.Services.Clones.BootAsync(
            SpecOf(request.Spec, request.SpecFile),
            request.BaseImages.ToDictionary(b => b.Key, b => new TemplateBaseImage(Resolve(b.Value), request.BaseFormats.GetValueOrDefault(b.Key, "raw"))),
            request.Plan,
            request.Clones,
            Registrar(request.Plan),
            request.Network,
            request.Concurrency,
            progress,
            cancellationToken);
        await progress.FlushAsync();
        return report;
    });

    [JsonRpcMethod(HostMethods.VmList)]
    public Task<VmInfo[]> VmListAsync(CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async () =>
    {
        var list = new List<VmInfo>();
        foreach (var vm in host.Services.Supervisor.List())
        {
            string? runState = null;
            if (vm.State == VmState.Alive)
            {
                try
                {
                    runState = (await vm.Qmp.ExecuteAsync<QmpStatus>("query-status", timeout: s_statusTimeout, cancellationToken: cancellationToken)).Status;
                }
                catch (QmpException ex)
                {
                    runState = $"unknown ({ex.Message})";
                }
            }

            list.Add(new VmInfo
            {
                Name = vm.Name,
                Role = vm.Launch.Role,
                Bundle = vm.Launch.Bundle,
                Pid = vm.Pid,
                State = vm.State.ToString().ToLowerInvariant(),
                RunState = runState,
                StartedAt = vm.StartedAt,
                EndReason = vm.EndReason,
                Tap = vm.Launch.TapInterface,
                VmGenId = vm.Launch.Spec.VmGenId ? vm.Launch.VmGenIdGuid.ToString("D") : null,
                SerialLog = vm.Paths.SerialLog,
            });
        }

        return list.ToArray();
    });

    [JsonRpcMethod(HostMethods.VmStop, UseSingleObjectParameterDeserialization = true)]
    public Task<bool> VmStopAsync(NameRequest request, CancellationToken cancellationToken) => VmApiErrors.GuardAsync(async () =>
    {
        var supervisor = host.Services.Supervisor;
        var tap = supervisor.Get(request.Name).Launch.TapInterface;
        await supervisor.StopAsync(request.Name, removeFiles: true, cancellationToken);
        if (tap is not null)
        {
            await TapDevice.DeleteAsync(tap, cancellationToken);
        }

        return true;
    });

    [JsonRpcMethod(HostMethods.VmConsole, UseSingleObjectParameterDeserialization = true)]
    public Task<string> VmConsoleAsync(ConsoleRequest request) => VmApiErrors.GuardAsync(()
        => Task.FromResult(SerialLog.Tail(host.Services.Supervisor.Get(request.Name).Paths.SerialLog, Math.Clamp(request.MaxBytes, 1, ConsoleRequest.Limit))));

    private static VmSpec SpecOf(System.Text.Json.JsonElement? inline, string? file) => (inline, file) switch
    {
        ({ } spec, null) => VmSpecJson.Parse(spec),
        (null, { } path) => VmSpecJson.Load(path),
        _ => throw new VmRequestException("give exactly one of spec and specFile"),
    };

    private static BundleInfo Describe(VerifiedBundle bundle, bool verified) => new()
    {
        Name = bundle.Manifest.Name,
        Path = bundle.Directory,
        CreatedAt = bundle.Manifest.CreatedAt,
        MemoryFormat = bundle.Manifest.MemoryFormat.ToString().ToLowerInvariant(),
        Compressed = bundle.Manifest.Compressed,
        Accelerator = bundle.Manifest.Accelerator.ToString().ToLowerInvariant(),
        QemuVersion = bundle.Manifest.QemuVersion,
        MemoryMiB = bundle.Spec.MemoryMiB,
        TemplateMac = bundle.Spec.Nic?.Mac.ToLowerInvariant(),
        TotalBytes = bundle.Manifest.Parts.Sum(p => p.Size),
        StateBytes = bundle.Manifest.Part(BundlePartRole.State)?.Size ?? 0,
        Verified = verified,
    };

    private NotifyingProgress Progress() => new(connection);

    /// <summary>The CMS registration a plan with a policy asks for (checked before anything starts), else null.</summary>
    private CmsCloneRegistrar? Registrar(ClonePlanRequest? plan) => plan is null ? null : CmsCloneRegistrar.For(plan, localCms?.Invoke());

    /// <summary><c>image:NAME</c> -> the local image service's URI for NAME; anything else unchanged.</summary>
    private string Resolve(string baseImage)
    {
        if (!TemplateBaseImage.IsImageReference(baseImage))
        {
            return baseImage;
        }

        var name = baseImage[TemplateBaseImage.ImagePrefix.Length..];
        return (images ?? throw new VmUnavailableException("this hostd has no image service")).LocalUriOf(name);
    }
}
