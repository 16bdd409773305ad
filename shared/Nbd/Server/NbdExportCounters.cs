using System.Diagnostics;
using System.Numerics;
using Jumpstart.Shared.Nbd.Protocol;

namespace Jumpstart.Shared.Nbd.Server;

/// <summary>
/// Live, thread-safe counters of one export, updated by every connection serving it; <see cref="Snapshot"/> turns
/// them into an <see cref="NbdExportStatistics"/>. Totals are lock-free; the sliding window (per-second slots over
/// the last <see cref="WindowSeconds"/> seconds) takes a short lock per request.
/// </summary>
public sealed class NbdExportCounters
{
    /// <summary>Width of the sliding window behind the rates and the recent mean latency.</summary>
    public const int WindowSeconds = 5;

    /// <summary>Buckets of the log2 latency histogram: the last one holds everything from 2^30 µs (~18 min) up.</summary>
    public const int HistogramBuckets = 31;

    // A snapshot taken just after a second boundary would otherwise divide by almost nothing less.
    private const double MinimumPartialSecond = 0.1;

    private readonly string _name;
    private readonly Func<long> _clock;
    private readonly long[] _histogram = new long[HistogramBuckets];
    private readonly WindowSlot[] _window = new WindowSlot[WindowSeconds];
    private readonly Lock _windowLock = new();
    private int _connections;
    private long _requests;
    private long _reads;
    private long _bytesRead;
    private long _bytesWritten;
    private long _errors;

    /// <summary>Counters for export <paramref name="name"/>; <paramref name="clock"/> (Stopwatch ticks) is for tests.</summary>
    public NbdExportCounters(string name, Func<long>? clock = null)
    {
        _name = name;
        _clock = clock ?? Stopwatch.GetTimestamp;
    }

    /// <summary>A connection selected this export.</summary>
    public void ConnectionOpened() => Interlocked.Increment(ref _connections);

    /// <summary>A connection that selected this export closed.</summary>
    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    /// <summary>Records one answered request that took <paramref name="elapsedTicks"/> Stopwatch ticks.</summary>
    public void Record(NbdCommand command, long bytes, bool failed, long elapsedTicks)
    {
        Interlocked.Increment(ref _requests);
        var bytesRead = 0L;
        if (failed)
        {
            Interlocked.Increment(ref _errors);
        }
        else if (command == NbdCommand.Read)
        {
            Interlocked.Increment(ref _reads);
            Interlocked.Add(ref _bytesRead, bytes);
            bytesRead = bytes;
        }
        else if (command == NbdCommand.Write)
        {
            Interlocked.Add(ref _bytesWritten, bytes);
        }

        var micros = Math.Max(0, elapsedTicks) * 1_000_000 / Stopwatch.Frequency;
        Interlocked.Increment(ref _histogram[Bucket(micros)]);
        var second = _clock() / Stopwatch.Frequency;
        lock (_windowLock)
        {
            ref var slot = ref _window[second % _window.Length];
            if (slot.Second != second)
            {
                slot = new WindowSlot { Second = second };
            }

            slot.Requests++;
            slot.Bytes += bytesRead;
            slot.Micros += micros;
        }
    }

    /// <summary>A consistent-enough copy of the counters (each value read atomically).</summary>
    public NbdExportStatistics Snapshot()
    {
        var ticks = _clock();
        var now = ticks / Stopwatch.Frequency;

        // The window is the current, partly elapsed second plus the WindowSeconds - 1 before it; dividing by its real
        // length keeps a steady load's rate steady instead of jumping at every second boundary.
        var windowLength = WindowSeconds - 1 + Math.Max((double)(ticks % Stopwatch.Frequency) / Stopwatch.Frequency, MinimumPartialSecond);
        long requests = 0, bytes = 0, micros = 0;
        lock (_windowLock)
        {
            foreach (var slot in _window)
            {
                if (slot.Second > now - WindowSeconds && slot.Second <= now && slot.Requests > 0)
                {
                    requests += slot.Requests;
                    bytes += slot.Bytes;
                    micros += slot.Micros;
                }
            }
        }

        var histogram = new long[HistogramBuckets];
        for (var i = 0; i < histogram.Length; i++)
        {
            histogram[i] = Interlocked.Read(ref _histogram[i]);
        }

        return new NbdExportStatistics
        {
            Export = _name,
            Connections = Volatile.Read(ref _connections),
            Requests = Interlocked.Read(ref _requests),
            Reads = Interlocked.Read(ref _reads),
            BytesRead = Interlocked.Read(ref _bytesRead),
            BytesWritten = Interlocked.Read(ref _bytesWritten),
            Errors = Interlocked.Read(ref _errors),
            RequestsPerSecond = requests / windowLength,
            BytesPerSecond = bytes / windowLength,
            RecentMeanLatencyMicroseconds = requests == 0 ? 0 : (double)micros / requests,
            LatencyHistogram = histogram,
        };
    }

    /// <summary>Bucket i holds [2^i, 2^(i+1)) µs; under 1 µs goes to bucket 0.</summary>
    internal static int Bucket(long micros)
        => micros <= 1 ? 0 : Math.Min(HistogramBuckets - 1, BitOperations.Log2((ulong)micros));

    private struct WindowSlot
    {
        public long Second;
        public long Requests;
        public long Bytes;
        public long Micros;
    }
}
