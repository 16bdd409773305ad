using System.Diagnostics.Metrics;
using Jumpstart.Hostd.Images;
using Jumpstart.Hostd.Traffic.Capture;
using Jumpstart.Hostd.Vm;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Nbd.Server;

namespace Jumpstart.Hostd.Metrics;

/// <summary>
/// The metrics read from state hostd keeps anyway, at the moment they are collected (a scrape): VMs by state, each
/// image's NBD and cache counters, each capture's kernel counters. Counting them a second time at every NBD request
/// would add work to the hot path and a second truth; observing the existing counters adds neither. Its own
/// <see cref="Meter"/> (named <see cref="HostdMetrics.MeterName"/>) lives as long as this object, so a stopped
/// host's services are no longer read.
/// </summary>
public sealed class HostdObservedMetrics : IDisposable
{
    public const string VmsName = "jumpstart_vms";
    public const string NbdRequestsName = "jumpstart_nbd_requests_total";
    public const string NbdReadBytesName = "jumpstart_nbd_read_bytes_total";
    public const string NbdWrittenBytesName = "jumpstart_nbd_written_bytes_total";
    public const string NbdErrorsName = "jumpstart_nbd_errors_total";
    public const string NbdConnectionsName = "jumpstart_nbd_connections";
    public const string CacheHitsName = "jumpstart_image_cache_hits_total";
    public const string CacheMissesName = "jumpstart_image_cache_misses_total";
    public const string CacheFetchedBytesName = "jumpstart_image_cache_fetched_bytes_total";
    public const string CaptureReceivedName = "jumpstart_traffic_capture_received_packets_total";
    public const string CaptureDroppedName = "jumpstart_traffic_capture_dropped_packets_total";

    public const string StateLabel = "state";
    public const string ImageLabel = "image";
    public const string InterfaceLabel = "interface";
    public const string ReasonLabel = "reason";

    /// <summary>Values of <see cref="ReasonLabel"/>: dropped by the capture buffer, or by the interface.</summary>
    public const string DroppedByBuffer = "buffer";
    public const string DroppedByInterface = "interface";

    private static readonly VmState[] s_states = Enum.GetValues<VmState>();

    /// <summary>This object's meter (the exporter listens to it and to <see cref="HostdMetrics"/>'s, no other).</summary>
    internal Meter Meter { get; } = new(HostdMetrics.MeterName);

    /// <param name="vms">The VM capability; null leaves out the VM gauge.</param>
    /// <param name="images">The image service; null leaves out the NBD and cache counters.</param>
    /// <param name="traffic">Traffic capture; null leaves out the capture counters.</param>
    public HostdObservedMetrics(VmHost? vms, ImageService? images, TrafficService? traffic)
    {
        if (vms is not null)
        {
            Meter.CreateObservableGauge(VmsName, () => ObserveVms(vms), null, "VMs this host runs, by state");
        }

        if (images is not null)
        {
            Image(images, NbdRequestsName, "NBD requests answered, by image", s => s.Export?.Requests);
            Image(images, NbdReadBytesName, "Bytes NBD reads returned, by image", s => s.Export?.BytesRead, "By");
            Image(images, NbdWrittenBytesName, "Bytes NBD writes accepted, by image", s => s.Export?.BytesWritten, "By");
            Image(images, NbdErrorsName, "NBD requests answered with an error, by image", s => s.Export?.Errors);
            Image(images, CacheHitsName, "Pseudo-image reads served from the local cache, by image", s => s.Cache?.Hits);
            Image(images, CacheMissesName, "Pseudo-image reads that fetched from upstream, by image", s => s.Cache?.Misses);
            Image(images, CacheFetchedBytesName, "Bytes pseudo images fetched from upstream, by image", s => s.Cache?.BytesFetched, "By");
            Meter.CreateObservableGauge(
                NbdConnectionsName,
                () => images.AllStatistics().Where(s => s.Export is not null).Select(s => new Measurement<int>(s.Export!.Connections, Tag(ImageLabel, s.Image))),
                null,
                "Open NBD connections, by image");
        }

        if (traffic is not null)
        {
            Meter.CreateObservableCounter(
                CaptureReceivedName,
                () => traffic.CaptureStatistics().Select(c => new Measurement<long>(c.Statistics.Received, Tag(InterfaceLabel, c.Interface))),
                null,
                "Packets the kernel passed to live capture, by interface");
            Meter.CreateObservableCounter(
                CaptureDroppedName,
                () => traffic.CaptureStatistics().SelectMany(c => new[]
                {
                    new Measurement<long>(c.Statistics.Dropped, Tag(InterfaceLabel, c.Interface), Tag(ReasonLabel, DroppedByBuffer)),
                    new Measurement<long>(c.Statistics.InterfaceDropped, Tag(InterfaceLabel, c.Interface), Tag(ReasonLabel, DroppedByInterface)),
                }),
                null,
                "Packets live capture lost, by interface and where (capture buffer or interface)");
        }
    }

    public void Dispose() => Meter.Dispose();

    private static IEnumerable<Measurement<int>> ObserveVms(VmHost vms)
    {
        // Every state is reported, 0 included, so a query for a state has an answer before the first VM.
        var running = vms.Running?.Supervisor.List() ?? [];
        return s_states.Select(state => new Measurement<int>(running.Count(v => v.State == state), Tag(StateLabel, StateName(state))));
    }

    private static string StateName(VmState state) => state.ToString().ToLowerInvariant();

    private void Image(
        ImageService images,
        string name,
        string description,
        Func<(string Image, NbdExportStatistics? Export, PseudoImageStatus? Cache), long?> value,
        string? unit = null)
        => Meter.CreateObservableCounter(
            name,
            () => images.AllStatistics()
                .Select(s => (s.Image, Value: value(s)))
                .Where(s => s.Value is not null)
                .Select(s => new Measurement<long>(s.Value!.Value, Tag(ImageLabel, s.Image))),
            unit,
            description);

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
