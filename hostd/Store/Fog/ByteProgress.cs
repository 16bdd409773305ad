using System.Diagnostics;
using System.Globalization;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>
/// Counts the bytes of a long transfer and hands a snapshot to <paramref name="report"/> at most once per
/// <paramref name="interval"/> (the first report at once), when the total is reached, and on <see cref="Complete"/>.
/// </summary>
public sealed class ByteProgress(long? total, TimeSpan interval, Action<ByteProgress.Snapshot> report) : IProgress<long>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _done;
    private long _sent = -1;
    private TimeSpan? _last;

    public void Report(long value)
    {
        lock (_gate)
        {
            _done += value;
            if (_last is not { } last || _clock.Elapsed - last >= interval || (total is { } t && _done >= t))
            {
                Send();
            }
        }
    }

    /// <summary>Reports the final count, unless the last report already had it.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_sent != _done)
            {
                Send();
            }
        }
    }

    private void Send()
    {
        _last = _clock.Elapsed;
        _sent = _done;
        report(new Snapshot(_done, total, _clock.Elapsed));
    }

    /// <summary>The bytes moved so far, of how many, in how long.</summary>
    public readonly record struct Snapshot(long Done, long? Total, TimeSpan Elapsed)
    {
        private const double MiB = 1024 * 1024;

        /// <summary>One line for people, e.g. <c>put: 1.0/3.0 MiB (33%) 120 MB/s</c>.</summary>
        public string Describe(string verb)
        {
            var rate = Done / Math.Max(Elapsed.TotalSeconds, 1e-3) / 1e6;
            return Total is { } t and > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{verb}: {Done / MiB:F1}/{t / MiB:F1} MiB ({100.0 * Done / t:F0}%) {rate:F0} MB/s")
                : string.Create(CultureInfo.InvariantCulture, $"{verb}: {Done / MiB:F1} MiB {rate:F0} MB/s");
        }
    }
}
