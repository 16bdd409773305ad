using System.Threading.Channels;
using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Configuration;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Metadata;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jumpstart.Hostd.Traffic.Capture;

/// <summary>
/// hostd's traffic capture: one <see cref="LiveFlowCapture"/> per running VM's tap (tagged with the
/// VM, the instance-id and deployment of its metadata disc) and per configured interface; finished
/// flows pass through a bounded queue, are labelled by the active classifier model (<see cref="FlowLabeller"/>,
/// <see cref="TrafficOptions.ModelPath"/>, reloaded on SIGHUP) and go to the <see cref="FlowStore"/>.
/// </summary>
public sealed partial class TrafficService(
    IOptions<TrafficOptions> options, IOptions<HostdOptions> hostd, IServiceProvider services, ILogger<TrafficService> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>Finished flows waiting for the store; beyond it they are counted and dropped.</summary>
    public const int QueueCapacity = 20_000;

    private const int BatchSize = 1_000;

    private readonly Dictionary<string, LiveFlowCapture> _captures = new(StringComparer.Ordinal);
    private readonly Channel<FlowRow> _finished = Channel.CreateBounded<FlowRow>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private FlowStore? _store;
    private Task? _writer;
    private Task? _poller;
    private readonly FlowLabeller _labeller = new();
    private IDisposable? _reloadSubscription;
    private long _dropped;
    private int _disposed;

    /// <summary>The database flows go to (null while disabled).</summary>
    public string? DatabasePath { get; private set; }

    /// <summary>The classifier stage: the active model and how many flows it labelled.</summary>
    public FlowLabeller Labeller => _labeller;

    /// <summary>The interfaces being captured now.</summary>
    public IReadOnlyList<string> Interfaces
    {
        get
        {
            lock (_captures)
            {
                return [.. _captures.Keys];
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return Task.CompletedTask;
        }

        DatabasePath = Path.IsPathRooted(settings.DatabasePath) ? settings.DatabasePath : Path.Combine(hostd.Value.StateDirectory, settings.DatabasePath);
        _store = FlowStore.Open(DatabasePath, new FlowStoreOptions
        {
            MaxFlows = settings.RetentionMaxFlows,
            MaxAge = settings.RetentionDays > 0 ? TimeSpan.FromDays(settings.RetentionDays) : null,
        });
        LoadModel(settings.ModelPath);
        if (services.GetService(typeof(IOptionsMonitor<TrafficOptions>)) is IOptionsMonitor<TrafficOptions> monitor)
        {
            // SIGHUP reloads the configuration; the model file is read again even if its path did not change.
            _reloadSubscription = monitor.OnChange(changed => LoadModel(changed.ModelPath));
        }

        _writer = Task.Run(() => WriteAsync(_store), CancellationToken.None);
        foreach (var configured in settings.Interfaces)
        {
            StartCapture(configured.Name, new FlowTags(configured.Vm, configured.InstanceId, configured.Deployment));
        }

        if (settings.CaptureVmTaps)
        {
            _poller = Task.Run(() => PollVmsAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Makes <paramref name="path"/> the active model (relative to the state directory), or stops labelling when it
    /// is null or empty. Returns false, logs why and keeps the previous model when the file cannot be used.
    /// </summary>
    public bool LoadModel(string? path)
    {
        try
        {
            ReplaceModel(path);
            return true;
        }
        catch (Exception ex) when (ex is ClassificationDataException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// As <see cref="LoadModel"/>, but a file that cannot be used throws (<see cref="ClassificationDataException"/>,
    /// <see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>) after it is logged; the previous model stays.
    /// Returns the active model's full path, or null when labelling stopped.
    /// </summary>
    public string? ReplaceModel(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            if (_labeller.ModelPath is not null)
            {
                _labeller.Unload();
                TrafficLog.ModelUnloaded(logger);
            }

            return null;
        }

        var full = Path.IsPathRooted(path) ? path : Path.Combine(hostd.Value.StateDirectory, path);
        try
        {
            var model = _labeller.Load(full);
            TrafficLog.ModelLoaded(logger, model.Algorithm, full, model.ClassNames.Count);
            return full;
        }
        catch (Exception ex) when (ex is ClassificationDataException or IOException or UnauthorizedAccessException)
        {
            TrafficLog.ModelRejected(logger, full, _labeller.ModelPath ?? "none", ex.Message);
            throw;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _reloadSubscription?.Dispose();
        await _stopping.CancelAsync();
        if (_poller is not null)
        {
            await _poller.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        List<LiveFlowCapture> captures;
        lock (_captures)
        {
            captures = [.. _captures.Values];
            _captures.Clear();
        }

        foreach (var capture in captures)
        {
            await StopCaptureAsync(capture);
        }

        _finished.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_labeller.Labelled > 0)
        {
            TrafficLog.LabellingSummary(logger, _labeller.Labelled, _labeller.Unknown);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose this twice (singleton + hosted-service registrations).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None);
        _store?.Dispose();
        _stopping.Dispose();
    }

    private void StartCapture(string device, FlowTags tags)
    {
        var settings = options.Value;
        try
        {
            var capture = LiveFlowCapture.Start(
                device,
                new PcapLiveOptions { SnapLength = Math.Clamp(settings.SnapLength, 64, PcapLiveOptions.MaxSnapLength), Filter = settings.Filter },
                new FlowTableOptions
                {
                    IdleTimeout = settings.IdleTimeoutSeconds > 0 ? TimeSpan.FromSeconds(settings.IdleTimeoutSeconds) : null,
                    ActiveTimeout = settings.ActiveTimeoutSeconds > 0 ? TimeSpan.FromSeconds(settings.ActiveTimeoutSeconds) : null,
                    MaxActiveFlows = Math.Max(1, settings.MaxActiveFlows),
                    Tunnels = FlowTableOptions.TunnelsFor(settings.TunnelLayer),
                },
                flow => Enqueue(FlowRow.From(flow, tags)));
            lock (_captures)
            {
                _captures[device] = capture;
            }

            TrafficLog.CaptureStarted(logger, device, tags.Vm, DatabasePath ?? "");
        }
        catch (PcapException ex)
        {
            TrafficLog.CaptureFailed(logger, device, ex.Message);
        }
    }

    private async Task StopCaptureAsync(LiveFlowCapture capture)
    {
        var statistics = await capture.StopAsync(TimeSpan.FromSeconds(10));
        await capture.DisposeAsync();
        TrafficLog.CaptureStopped(logger, capture.Device, statistics.Received, statistics.Dropped);
    }

    private void Enqueue(FlowRow row)
    {
        Metrics.HostdMetrics.TrafficFlows.Add(1);
        if (!_finished.Writer.TryWrite(row))
        {
            Interlocked.Increment(ref _dropped);
            Metrics.HostdMetrics.TrafficFlowsDropped.Add(1);
        }
    }

    private async Task WriteAsync(FlowStore store)
    {
        var batch = new List<FlowRow>(BatchSize);
        var reader = _finished.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < BatchSize && reader.TryRead(out var row))
            {
                batch.Add(_labeller.Label(row));
            }

            try
            {
                store.Add(batch);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                TrafficLog.StoreFailed(logger, ex.Message);
            }

            batch.Clear();
            if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
            {
                TrafficLog.FlowsDropped(logger, dropped);
            }
        }
    }

    private async Task PollVmsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.1, options.Value.PollSeconds)));
        do
        {
            var supervisor = (services.GetService(typeof(VmHost)) as VmHost)?.Services.Supervisor;
            if (supervisor is null)
            {
                continue;
            }

            var taps = supervisor.List()
                .Where(vm => vm.State == VmState.Alive && vm.Launch.TapInterface is not null)
                .ToDictionary(vm => vm.Launch.TapInterface!, StringComparer.Ordinal);
            foreach (var (tap, vm) in taps)
            {
                bool known;
                lock (_captures)
                {
                    known = _captures.ContainsKey(tap);
                }

                if (!known)
                {
                    StartCapture(tap, TagsOf(vm));
                }
            }

            List<LiveFlowCapture> gone;
            lock (_captures)
            {
                var configured = options.Value.Interfaces.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
                gone = [.. _captures.Values.Where(c => !taps.ContainsKey(c.Device) && !configured.Contains(c.Device))];
                foreach (var capture in gone)
                {
                    _captures.Remove(capture.Device);
                }
            }

            foreach (var capture in gone)
            {
                await StopCaptureAsync(capture);
            }
        }
        while (await NextTickAsync(timer, cancellationToken));
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static FlowTags TagsOf(VmHandle vm)
    {
        try
        {
            var metadata = MetadataDisc.Read(vm.Paths.MetadataDisc);
            return new FlowTags(vm.Name, metadata.InstanceId, metadata.DeploymentId);
        }
        catch (Exception ex) when (ex is IOException or MetadataException or UnauthorizedAccessException)
        {
            // A template or a VM without a disc: the VM name is all there is.
            return new FlowTags(vm.Name, null, null);
        }
    }
}
