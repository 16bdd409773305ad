using System.Globalization;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Images;

/// <summary>
/// Records which extents of an image are read, each once, in first-access order: a text file with a header
/// line and one extent index per line. Recorded while the template boots, it is the boot working set a
/// <see cref="PseudoImage"/> replays (<see cref="PseudoImage.ReplayAsync"/>) to prefetch for clones.
/// Thread-safe; every new line is flushed, so a killed process leaves a usable log.
/// </summary>
public sealed class AccessLogRecorder : IDisposable
{
    /// <summary>First line's prefix; the extent size follows.</summary>
    public const string HeaderPrefix = "# jumpstart access log v1 extent-size=";

    /// <summary>Most bytes read from a log (some 12 million extents, far above a boot's working set).</summary>
    public const long MaxLogBytes = 256L << 20;

    private const int MaxLineLength = 64;
    private readonly Lock _lock = new();
    private readonly HashSet<long> _seen = [];
    private readonly StreamWriter _writer;

    /// <summary>Starts a new log at <paramref name="path"/> (replacing one there).</summary>
    public AccessLogRecorder(string path, int extentSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(extentSize);
        ExtentSize = extentSize;
        _writer = new StreamWriter(path, append: false) { AutoFlush = true, NewLine = "\n" };
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{HeaderPrefix}{extentSize}"));
    }

    /// <summary>Extent size the indexes are in.</summary>
    public int ExtentSize { get; }

    /// <summary>Extents recorded so far.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Records a read of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public void Record(long offset, long length)
    {
        if (length <= 0)
        {
            return;
        }

        var last = (offset + length - 1) / ExtentSize;
        lock (_lock)
        {
            for (var extent = offset / ExtentSize; extent <= last; extent++)
            {
                if (_seen.Add(extent))
                {
                    _writer.WriteLine(extent.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
    }

    /// <summary>Reads a log: its extent size and the extent indexes in order (duplicates dropped).</summary>
    /// <exception cref="InvalidDataException">Not an access log, or a bad line (the message gives its number).</exception>
    public static async Task<(int ExtentSize, IReadOnlyList<long> Extents)> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new StreamReader(BoundedFile.OpenRead(path, MaxLogBytes));
            return await ReadAsync(reader, path, cancellationToken);
        }
        catch (InputFileException ex)
        {
            throw new InvalidDataException($"not an access log: {ex.Message}", ex);
        }
    }

    private static async Task<(int ExtentSize, IReadOnlyList<long> Extents)> ReadAsync(StreamReader reader, string path, CancellationToken cancellationToken)
    {
        var header = await reader.ReadLineAsync(cancellationToken);
        if (header is null || !header.StartsWith(HeaderPrefix, StringComparison.Ordinal)
            || !int.TryParse(header.AsSpan(HeaderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var extentSize) || extentSize <= 0)
        {
            throw new InvalidDataException($"{path}: not a Jumpstart access log (first line must be '{HeaderPrefix}N')");
        }

        var extents = new List<long>();
        var seen = new HashSet<long>();
        var number = 1;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length > MaxLineLength || !long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var extent))
            {
                throw new InvalidDataException($"{path}:{number}: not an extent index");
            }

            if (seen.Add(extent))
            {
                extents.Add(extent);
            }
        }

        return (extentSize, extents);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }
}
