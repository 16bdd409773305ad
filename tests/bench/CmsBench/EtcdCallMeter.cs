using System.Diagnostics.Metrics;

namespace Jumpstart.Bench.Cms;

/// <summary>
/// Counts the calls the CMS makes to etcd and the time they take, from .NET's own <c>http.client.request.duration</c>
/// (System.Net.Http): every etcd call is a gRPC request over HTTP/2, and nothing else in the bench speaks HTTP (the
/// instances use JSON-RPC over raw TCP). A watch stream is counted when it ends, so it stays out of a round's figures.
/// </summary>
internal sealed class EtcdCallMeter : IDisposable
{
    private const string MeterName = "System.Net.Http";
    private const string InstrumentName = "http.client.request.duration";

    private readonly MeterListener _listener = new();
    private long _calls;
    private long _microseconds;

    public EtcdCallMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == InstrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Add(ref _microseconds, (long)(seconds * 1e6));
        });
        _listener.Start();
    }

    /// <summary>Calls finished and their summed duration since the last read (and starts counting anew).</summary>
    public (long Calls, TimeSpan Total) Take()
        => (Interlocked.Exchange(ref _calls, 0), TimeSpan.FromMicroseconds(Interlocked.Exchange(ref _microseconds, 0)));

    public void Dispose() => _listener.Dispose();
}
