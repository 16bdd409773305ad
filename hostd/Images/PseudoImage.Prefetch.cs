using System.Diagnostics;

namespace Jumpstart.Hostd.Images;

/// <summary>Prefetching of <see cref="PseudoImage"/>: sequential read-ahead, access-log replay and background fill.</summary>
public sealed partial class PseudoImage
{
    /// <summary>Concurrent readers whose sequential streams are tracked.</summary>
    private const int TrackedStreams = 8;

    /// <summary>Back-to-back reads before a stream counts as sequential.</summary>
    private const int SequentialThreshold = 2;

    private const int ReplayConcurrency = 8;
    private const int FillConcurrency = 4;
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _readAheadSlots;
    private readonly Lock _streamsLock = new();
    private readonly long[] _streamEnds = new long[TrackedStreams];
    private readonly int[] _streamRuns = new int[TrackedStreams];
    private int _nextStream;

    /// <summary>Fetches, in order, the extents recorded in an access log (see <see cref="AccessLogRecorder"/>), a few at a
    /// time; completes when all are present. A log recorded with another extent size is mapped onto this one's.</summary>
    /// <exception cref="InvalidDataException">The file is not an access log.</exception>
    public async Task ReplayAsync(string accessLogPath, CancellationToken cancellationToken)
    {
        var (logExtentSize, logged) = await AccessLogRecorder.ReadAsync(accessLogPath, cancellationToken);
        var order = new List<long>();
        var seen = new HashSet<long>();
        foreach (var index in logged)
        {
            var start = index * logExtentSize;
            if (index < 0 || start >= Size)
            {
                continue;
            }

            var last = (Math.Min(start + logExtentSize, Size) - 1) / _cache.ExtentSize;
            for (var extent = start / _cache.ExtentSize; extent <= last; extent++)
            {
                if (seen.Add(extent))
                {
                    order.Add(extent);
                }
            }
        }

        var fetchedBefore = Interlocked.Read(ref _extentsFetched);
        using var slots = new SemaphoreSlim(ReplayConcurrency);
        var waits = new List<Task>(order.Count);
        foreach (var extent in order)
        {
            await slots.WaitAsync(cancellationToken);
            var fetch = EnsureAsync(extent);
            waits.Add(fetch);
            _ = fetch.ContinueWith(static (_, state) => ((SemaphoreSlim)state!).Release(), slots, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        await Task.WhenAll(waits).WaitAsync(cancellationToken);
        ImagesLog.Replayed(_logger, accessLogPath, order.Count, Interlocked.Read(ref _extentsFetched) - fetchedBefore);
    }

    /// <summary>
    /// Fetches every missing extent, at most <paramref name="bytesPerSecond"/> (0: unlimited), reporting progress, until
    /// the image is a full replica; then waits until everything is durable.
    /// </summary>
    public async Task FillAsync(long bytesPerSecond, IProgress<FillProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var bucket = new TokenBucket(bytesPerSecond);
        var fetchedAtStart = Interlocked.Read(ref _bytesFetched);
        var lastReport = TimeSpan.Zero;
        using var slots = new SemaphoreSlim(FillConcurrency);
        var waits = new List<Task>();
        for (long extent = 0; extent < _cache.ExtentCount; extent++)
        {
            if (_cache.IsPresent(extent))
            {
                continue;
            }

            await bucket.TakeAsync(_cache.LengthOf(extent), cancellationToken);
            await slots.WaitAsync(cancellationToken);
            var fetch = EnsureAsync(extent);
            waits.Add(fetch);
            _ = fetch.ContinueWith(static (_, state) => ((SemaphoreSlim)state!).Release(), slots, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            if (progress is not null && clock.Elapsed - lastReport >= s_progressInterval)
            {
                lastReport = clock.Elapsed;
                progress.Report(Progress(clock.Elapsed, fetchedAtStart));
            }

            // A failed fetch ends the fill now rather than after the whole image was tried.
            if (waits.Count >= FillConcurrency * 4)
            {
                await Task.WhenAll(waits).WaitAsync(cancellationToken);
                waits.Clear();
            }
        }

        await Task.WhenAll(waits).WaitAsync(cancellationToken);
        await _cache.FlushAsync(cancellationToken);
        progress?.Report(Progress(clock.Elapsed, fetchedAtStart));
        ImagesLog.Filled(_logger, _options.Identity, Interlocked.Read(ref _bytesFetched) - fetchedAtStart, clock.Elapsed.TotalSeconds);
    }

    private FillProgress Progress(TimeSpan elapsed, long fetchedAtStart)
    {
        var fetched = Interlocked.Read(ref _bytesFetched) - fetchedAtStart;
        return new FillProgress(BytesPresent(), Size, elapsed.TotalSeconds > 0 ? fetched / elapsed.TotalSeconds : 0, elapsed);
    }

    /// <summary>Tracks sequential streams; a stream that keeps reading where it stopped gets its next extents fetched ahead.</summary>
    private void OnRead(long offset, int length, long lastExtent)
    {
        if (_options.ReadAheadExtents == 0)
        {
            return;
        }

        int run;
        lock (_streamsLock)
        {
            var stream = Array.IndexOf(_streamEnds, offset);
            if (stream < 0 || offset == 0)
            {
                stream = _nextStream;
                _nextStream = (_nextStream + 1) % TrackedStreams;
                _streamRuns[stream] = 0;
            }

            _streamEnds[stream] = offset + length;
            run = ++_streamRuns[stream];
        }

        if (run < SequentialThreshold)
        {
            return;
        }

        for (var extent = lastExtent + 1; extent <= lastExtent + _options.ReadAheadExtents && extent < _cache.ExtentCount; extent++)
        {
            if (_cache.IsPresent(extent) || _inflight.ContainsKey(extent) || !_readAheadSlots.Wait(0))
            {
                continue;
            }

            var target = extent;
            _ = EnsureAsync(target).ContinueWith(
                t =>
                {
                    _readAheadSlots.Release();
                    if (t.Exception is { } ex)
                    {
                        ImagesLog.ReadAheadFailed(_logger, target, ex.GetBaseException());
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }
    }
}
