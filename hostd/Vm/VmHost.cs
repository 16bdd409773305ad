using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Vm.Bundles;
using Jumpstart.Hostd.Vm.Clones;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Hostd.Vm.Templates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Vm;

/// <summary>
/// hostd's VM capability: at start it picks the accelerator (once; the answer is kept for the
/// process's life) and rediscovers VMs a previous hostd left running; at stop it detaches from them
/// without stopping them.
/// </summary>
public sealed class VmHost(IOptions<HostdOptions> hostd, IOptions<VmOptions> options, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<VmHost>();
    private VmServices? _services;

    /// <summary>The VM services; available once started.</summary>
    /// <exception cref="InvalidOperationException">Not started yet.</exception>
    public VmServices Services => _services ?? throw new VmUnavailableException("the VM capability has not started");

    /// <summary>The VM services while started, else null (for hostd's metrics, which may be read at any time).</summary>
    public VmServices? Running => _services;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var (accelerator, reason) = await AcceleratorProbe.DetectAsync(settings.Accelerator, settings.ProbeKernel, new VmSpec().CpuModel, cancellationToken);
        VmLog.AcceleratorChosen(_logger, accelerator, reason);
        var supervisor = new VmSupervisor(hostd.Value.StateDirectory, hostd.Value.RuntimeDirectory, loggers.CreateLogger<VmSupervisor>());
        var store = new BundleStore(hostd.Value.StateDirectory);
        var clones = new CloneSettings(accelerator, string.IsNullOrEmpty(settings.Bridge) ? null : settings.Bridge, Math.Clamp(settings.CloneConcurrency, 1, CloneSettings.MaxConcurrency));
        _services = new VmServices(
            accelerator,
            supervisor,
            store,
            new TemplateBuilder(supervisor, store, accelerator, loggers.CreateLogger<TemplateBuilder>()),
            new CloneOrchestrator(supervisor, store, clones, loggers.CreateLogger<CloneOrchestrator>()));
        await supervisor.RediscoverAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _services, null) is { } services)
        {
            await services.Supervisor.DisposeAsync();
        }
    }
}
