using System.Buffers;
using System.Diagnostics;
using Jumpstart.Shared.IO;
using Jumpstart.Shared.Nbd.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>
/// Pre-deployment by unicast: copies an <see cref="IBlockSource"/> (an NBD connection to the real image
/// server, a local file) into local files, the whole image or listed regions, with P reads in flight per
/// destination. All-zero chunks stay holes; the copy is written to a temporary file beside the destination,
/// fsynced, then renamed over it, so a failed or cancelled copy leaves the destination as it was.
/// </summary>
public sealed class ImageCopier(ILogger<ImageCopier>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<ImageCopier>.Instance;

    /// <summary>Copies <paramref name="source"/> to each of <paramref name="destinations"/> at once (k hosts: k unicast copies).</summary>
    public async Task<IReadOnlyList<CopyResult>> ReplicateAsync(
        IBlockSource source, IReadOnlyList<string> destinations, CopyOptions options, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        if (destinations.Count == 0 || destinations.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Count() != destinations.Count)
        {
            throw new ArgumentException("destinations must be one or more distinct paths", nameof(destinations));
        }

        return await Task.WhenAll(destinations.Select(d => CopyAsync(source, d, options, progress, cancellationToken)));
    }

    /// <summary>Copies <paramref name="source"/> (or <see cref="CopyOptions.Regions"/> of it) to <paramref name="destination"/>.</summary>
    public async Task<CopyResult> CopyAsync(IBlockSource source, string destination, CopyOptions options, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var regions = options.Regions is { } listed ? ImageRegion.Normalize(listed, source.Size) : [new ImageRegion(0, source.Size)];
        var target = Path.GetFullPath(destination);
        var directory = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"destination directory {directory} does not exist");
        }

        var temp = Path.Combine(directory, $".{Path.GetFileName(target)}.copy-{Guid.NewGuid():N}");
        var state = new CopyState(target, regions, options, progress);
        DistributionLog.CopyStarted(_logger, state.Total, source.Name, target, options.Streams);
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = AtomicFile.DefaultMode;
            }

            await using (var file = new FileStream(temp, fileOptions))
            {
                // Full size first: what is never written stays a hole, and readers see the image's size.
                file.SetLength(source.Size);
                var workers = Enumerable.Range(0, options.Streams).Select(_ => RunStreamAsync(source, file, state, cancellationToken));
                await Task.WhenAll(workers);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
            AtomicFile.SyncDirectory(directory);
        }
        catch (Exception ex)
        {
            File.Delete(temp);
            DistributionLog.CopyFailed(_logger, ex, source.Name, target);
            throw;
        }

        var result = state.Finish();
        DistributionLog.CopyFinished(_logger, result.BytesCopied, source.Name, target, result.Elapsed.TotalSeconds, result.BytesWritten);
        return result;
    }

    private static async Task RunStreamAsync(IBlockSource source, FileStream file, CopyState state, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(state.ChunkSize);
        try
        {
            while (state.TryTakeChunk(out var offset, out var length))
            {
                var chunk = buffer.AsMemory(0, length);
                await source.ReadAsync(offset, chunk, cancellationToken);
                var written = false;
                if (!state.Sparse || chunk.Span.ContainsAnyExcept((byte)0))
                {
                    await RandomAccess.WriteAsync(file.SafeFileHandle, chunk, offset, cancellationToken);
                    written = true;
                }

                state.Completed(length, written);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The chunk cursor shared by one destination's streams, and its counters.</summary>
    private sealed class CopyState(string destination, IReadOnlyList<ImageRegion> regions, CopyOptions options, IProgress<CopyProgress>? progress)
    {
        private readonly Lock _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _region;
        private long _next = regions.Count > 0 ? regions[0].Offset : 0;
        private long _done;
        private long _written;
        private TimeSpan? _lastReport;

        public int ChunkSize => options.ChunkSize;

        public bool Sparse => options.Sparse;

        public long Total { get; } = regions.Sum(r => r.Length);

        public bool TryTakeChunk(out long offset, out int length)
        {
            lock (_gate)
            {
                while (_region < regions.Count && _next >= regions[_region].End)
                {
                    _region++;
                    _next = _region < regions.Count ? regions[_region].Offset : 0;
                }

                if (_region >= regions.Count)
                {
                    offset = 0;
                    length = 0;
                    return false;
                }

                offset = _next;
                length = (int)Math.Min(options.ChunkSize, regions[_region].End - _next);
                _next += length;
                return true;
            }
        }

        public void Completed(int length, bool written)
        {
            CopyProgress? report = null;
            lock (_gate)
            {
                _done += length;
                _written += written ? length : 0;
                var now = _clock.Elapsed;
                if (progress is not null && (_done == Total || _lastReport is not { } last || now - last >= options.ProgressInterval))
                {
                    _lastReport = now;
                    report = Snapshot(now);
                }
            }

            if (report is { } value)
            {
                progress!.Report(value);
            }
        }

        public CopyResult Finish() => new(destination, _done, _written, _clock.Elapsed);

        private CopyProgress Snapshot(TimeSpan now)
        {
            var rate = now > TimeSpan.Zero ? _done / now.TotalSeconds : 0;
            TimeSpan? remaining = rate > 0 ? TimeSpan.FromSeconds((Total - _done) / rate) : null;
            return new CopyProgress(destination, _done, Total, rate, remaining);
        }
    }
}
