using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Jumpstart.Hostd.Metrics;

/// <summary>
/// Feeds the measurements of chosen <see cref="Meter"/>s into prometheus-net metrics of the same name and type:
/// <see cref="Counter{T}"/> and <see cref="ObservableCounter{T}"/> become counters, <see cref="ObservableGauge{T}"/>
/// a gauge, <see cref="Histogram{T}"/> a histogram; tags become labels.
/// </summary>
/// <remarks>
/// prometheus-net's own MeterAdapter is not used: it exports every counter as a gauge and puts the meter's name in
/// front of each metric's, so hostd's counters would reach Prometheus with the wrong type and a doubled prefix. This
/// bridge is the least that fixes both. An observable label set that is no longer reported (an image removed, a
/// capture stopped) is removed at the next collection, and an observed counter that went down (a capture started
/// again) starts a new series from its value, which Prometheus reads as a counter reset.
/// </remarks>
internal sealed class MeterBridge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly IReadOnlyList<double> _buckets;
    private readonly ConcurrentDictionary<Instrument, Export> _exports = new();
    private readonly Lock _collecting = new();

    /// <param name="registry">Where the metrics appear.</param>
    /// <param name="meters">The meters to export (compared by identity: another meter of the same name is not exported).</param>
    /// <param name="buckets">Bucket bounds of every histogram.</param>
    public MeterBridge(CollectorRegistry registry, IReadOnlyCollection<Meter> meters, IReadOnlyList<double> buckets)
    {
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _buckets = buckets;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meters.Contains(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments now; call before exporting.</summary>
    public void Collect()
    {
        lock (_collecting)
        {
            foreach (var export in _exports.Values)
            {
                export.BeginRound();
            }

            _listener.RecordObservableInstruments();
            foreach (var export in _exports.Values)
            {
                export.EndRound();
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_exports.TryGetValue(instrument, out var export))
        {
            export = _exports.GetOrAdd(instrument, Create(instrument, tags));
        }

        export.Record(value, tags);
    }

    private Export Create(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Label names are fixed when a Prometheus metric is made: those of the first measurement, in a stable order.
        var labels = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            labels[i] = tags[i].Key;
        }

        Array.Sort(labels, StringComparer.Ordinal);
        var help = instrument.Description ?? instrument.Name;
        return instrument switch
        {
            Counter<int> or Counter<long> or Counter<double> => new CounterExport(_factory.CreateCounter(instrument.Name, help, labels), labels, observed: false),
            ObservableCounter<int> or ObservableCounter<long> or ObservableCounter<double> => new CounterExport(_factory.CreateCounter(instrument.Name, help, labels), labels, observed: true),
            ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double> => new GaugeExport(_factory.CreateGauge(instrument.Name, help, labels), labels),
            Histogram<int> or Histogram<long> or Histogram<double> => new HistogramExport(
                _factory.CreateHistogram(instrument.Name, help, labels, new HistogramConfiguration { Buckets = [.. _buckets] }), labels),
            _ => throw new NotSupportedException($"instrument {instrument.Name} is a {instrument.GetType().Name}, which hostd's metrics do not export"),
        };
    }

    /// <summary>One instrument's Prometheus metric, and for observed ones the label sets seen in the current collection.</summary>
    private abstract class Export(string[] labels, bool observed)
    {
        private readonly Dictionary<string, string[]> _present = new(StringComparer.Ordinal);
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = new string[labels.Length];
            for (var i = 0; i < labels.Length; i++)
            {
                values[i] = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == labels[i])
                    {
                        values[i] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                        break;
                    }
                }
            }

            if (observed)
            {
                // Observed instruments report only inside Collect, under its lock.
                var key = string.Join('\0', values);
                _present[key] = values;
                _seen.Add(key);
            }

            Apply(value, values);
        }

        public void BeginRound() => _seen.Clear();

        public void EndRound()
        {
            if (!observed)
            {
                return;
            }

            foreach (var key in _present.Keys.Where(k => !_seen.Contains(k)).ToList())
            {
                Remove(_present[key]);
                _present.Remove(key);
            }
        }

        protected abstract void Apply(double value, string[] values);

        protected abstract void Remove(string[] values);
    }

    private sealed class CounterExport(Counter counter, string[] labels, bool observed) : Export(labels, observed)
    {
        private readonly bool _observed = observed;

        protected override void Apply(double value, string[] values)
        {
            if (!_observed)
            {
                counter.WithLabels(values).Inc(value);
                return;
            }

            if (value < counter.WithLabels(values).Value)
            {
                counter.RemoveLabelled(values);
            }

            counter.WithLabels(values).IncTo(value);
        }

        protected override void Remove(string[] values) => counter.RemoveLabelled(values);
    }

    private sealed class GaugeExport(Gauge gauge, string[] labels) : Export(labels, observed: true)
    {
        protected override void Apply(double value, string[] values) => gauge.WithLabels(values).Set(value);

        protected override void Remove(string[] values) => gauge.RemoveLabelled(values);
    }

    private sealed class HistogramExport(Histogram histogram, string[] labels) : Export(labels, observed: false)
    {
        protected override void Apply(double value, string[] values) => histogram.WithLabels(values).Observe(value);

        protected override void Remove(string[] values) => histogram.RemoveLabelled(values);
    }
}
