using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Hostd.Vm.Templates;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Tests.Vm;

/// <summary>
/// A hostd's VM layer in a temp directory: supervisor, bundle store, template builder and clone
/// orchestrator over real QEMU (TCG). Disposing stops every VM the bed knows about.
/// </summary>
public sealed class VmTestBed : IAsyncDisposable
{
    /// <summary>Small enough for SeaBIOS tests to be quick; the RAM file is this big.</summary>
    public const int SmallMemoryMiB = 64;

    public const string TemplateMac = "52:54:00:12:34:56";

    private readonly TempDirectory _directory = new("vm");

    public VmTestBed()
    {
        Supervisor = NewSupervisor();
        Store = new BundleStore(StateRoot);
        Templates = new TemplateBuilder(Supervisor, Store, Accelerator.Tcg, NullLogger<TemplateBuilder>.Instance);
        Clones = new CloneOrchestrator(Supervisor, Store, new CloneSettings(Accelerator.Tcg, Bridge: null, Concurrency: 4), NullLogger<CloneOrchestrator>.Instance);
    }

    public string StateRoot => _directory.Combine("state");

    public string RuntimeRoot => _directory.Combine("run");

    public VmSupervisor Supervisor { get; private set; }

    public BundleStore Store { get; }

    public TemplateBuilder Templates { get; }

    public CloneOrchestrator Clones { get; }

    public string Combine(string name) => _directory.Combine(name);

    /// <summary>A firmware-only VM (idles in SeaBIOS) with a disk, the CDROM, a NIC and vmgenid.</summary>
    public static VmSpec SeaBiosSpec() => new()
    {
        MemoryMiB = SmallMemoryMiB,
        Disks = [new VmDiskSpec { Id = "root", PciSlot = 5 }],
        Nic = new VmNicSpec { Mac = TemplateMac, PciSlot = 3 },
    };

    /// <summary>A 1 MiB raw base image for <see cref="SeaBiosSpec"/>'s disk.</summary>
    public async Task<TemplateBaseImage> BaseImageAsync()
    {
        var path = _directory.Combine("base.raw");
        if (!File.Exists(path))
        {
            await QemuImg.CreateAsync(path, "raw", 1 << 20, CancellationToken.None);
        }

        return new TemplateBaseImage(path);
    }

    /// <summary>Makes a bundle from a SeaBIOS template.</summary>
    public async Task<VerifiedBundle> SeaBiosBundleAsync(string name, MemoryFormat format, bool compress = false)
        => await Templates.CreateAsync(
            new TemplateRequest
            {
                Name = name,
                Spec = SeaBiosSpec(),
                BaseImages = new Dictionary<string, TemplateBaseImage> { ["root"] = await BaseImageAsync() },
                MemoryFormat = format,
                Compress = compress,
            },
            progress: null,
            CancellationToken.None);

    /// <summary>Starts a plain VM (no disks) and returns it.</summary>
    public Task<VmHandle> StartPlainAsync(string name)
        => Supervisor.StartAsync(new VmLaunch { Name = name, Spec = new VmSpec { MemoryMiB = SmallMemoryMiB, Cdrom = new VmCdromSpec() } }, CancellationToken.None);

    /// <summary>Simulates a hostd restart: detach from every VM (they keep running), then a new supervisor.</summary>
    public async Task<VmSupervisor> RestartSupervisorAsync()
    {
        _detached.AddRange(Supervisor.List().Where(v => v.State == VmState.Alive).Select(v => (v.Pid, v.Name)));
        await Supervisor.DisposeAsync();
        Supervisor = NewSupervisor();
        return Supervisor;
    }

    private readonly List<(int Pid, string Name)> _detached = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var vm in Supervisor.List())
        {
            await Supervisor.StopAsync(vm.Name, removeFiles: false, CancellationToken.None);
        }

        foreach (var (pid, name) in _detached.Where(d => VmProcess.IsAlive(d.Pid, d.Name)))
        {
            VmProcess.Kill(pid);
        }

        await Supervisor.DisposeAsync();
        _directory.Dispose();
    }

    private VmSupervisor NewSupervisor() => new(StateRoot, RuntimeRoot, NullLogger<VmSupervisor>.Instance);
}
