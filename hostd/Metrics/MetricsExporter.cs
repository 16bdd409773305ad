using System.Diagnostics.Metrics;
using Prometheus;

namespace Jumpstart.Hostd.Metrics;

/// <summary>
/// Turns hostd's instruments (<see cref="HostdMetrics"/>, <see cref="HostdObservedMetrics"/>) into the Prometheus
/// text format, through prometheus-net's adapter for System.Diagnostics.Metrics.
/// </summary>
/// <remarks>
/// Why prometheus-net 8.2.1 rather than OpenTelemetry's exporter: it is a stable release (the OpenTelemetry
/// Prometheus exporters are 1.20.1-beta.1), and it writes the text format into any stream, so Kestrel serves it
/// (DESIGN.md: every HTTP endpoint is Kestrel; the OpenTelemetry package pinned here serves from HttpListener).
/// Either way the instrumented code only knows System.Diagnostics.Metrics, so the exporter stays in this folder
/// (<see cref="MeterBridge"/> says why its own Meter adapter is not used). Its own registry (not prometheus-net's
/// static default one) holds only hostd's metrics, one exporter per hostd when tests run several in a process.
/// </remarks>
public sealed class MetricsExporter : IDisposable
{
    /// <summary>The content type of the text format 0.0.4, which every Prometheus reads.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly MeterBridge _bridge;
    private readonly HostdObservedMetrics? _observed;

    /// <param name="observed">The metrics read at collection time; disposed with this exporter.</param>
    public MetricsExporter(HostdObservedMetrics? observed)
    {
        _observed = observed;
        Meter[] meters = observed is null ? [HostdMetrics.Meter] : [HostdMetrics.Meter, observed.Meter];
        _bridge = new MeterBridge(_registry, meters, HostdMetrics.SecondsBuckets);
    }

    /// <summary>Writes every metric, observed ones read now, in the Prometheus text format.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        _bridge.Collect();
        return _registry.CollectAndExportAsTextAsync(output, ExpositionFormat.PrometheusText, cancellationToken);
    }

    public void Dispose()
    {
        _bridge.Dispose();
        _observed?.Dispose();
    }
}
