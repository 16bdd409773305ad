using System.Diagnostics;
using System.Globalization;

namespace Jumpstart.Hostd.Cli;

/// <summary>Progress of a long transfer as lines on stderr, at most one a second plus the last.</summary>
public sealed class TransferProgress(TextWriter error, string verb, long? total) : IProgress<long>
{
    private const double MiB = 1024 * 1024;
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _done;
    private TimeSpan _last = TimeSpan.Zero;

    public void Report(long value)
    {
        lock (_gate)
        {
            _done += value;
            if (_clock.Elapsed - _last >= s_interval || (total is { } t && _done >= t))
            {
                _last = _clock.Elapsed;
                Write();
            }
        }
    }

    private void Write()
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var rate = _done / seconds / 1e6;
        var line = total is { } t and > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{verb}: {_done / MiB:F1}/{t / MiB:F1} MiB ({100.0 * _done / t:F0}%) {rate:F0} MB/s")
            : string.Create(CultureInfo.InvariantCulture, $"{verb}: {_done / MiB:F1} MiB {rate:F0} MB/s");
        error.WriteLine(line);
    }
}
