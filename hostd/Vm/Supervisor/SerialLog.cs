using System.Text;

namespace Jumpstart.Hostd.Vm.Supervisor;

/// <summary>Reads a VM's serial log file (QEMU's <c>-chardev file</c>) as it grows.</summary>
public static class SerialLog
{
    /// <summary>How often the file is polled; a chardev file has no change notification of its own.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Longest line considered when searching for a marker.</summary>
    public const int MaxScanBytes = 64 * 1024;

    /// <summary>The file's current length (0 when missing): where to start watching for a new marker.</summary>
    public static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>Waits until <paramref name="marker"/> appears after byte <paramref name="fromOffset"/>; returns the offset just past it.</summary>
    /// <exception cref="TimeoutException">It did not appear within <paramref name="timeout"/>.</exception>
    public static async Task<long> WaitForAsync(string path, string marker, long fromOffset, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var needle = Encoding.UTF8.GetBytes(marker);
        var deadline = DateTime.UtcNow + timeout;
        var offset = fromOffset;
        var buffer = new byte[MaxScanBytes + needle.Length];
        var carried = 0;
        while (true)
        {
            if (File.Exists(path))
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Seek(offset, SeekOrigin.Begin);
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(carried, MaxScanBytes), cancellationToken)) > 0)
                {
                    var window = buffer.AsSpan(0, carried + read);
                    var found = window.IndexOf(needle);
                    if (found >= 0)
                    {
                        return offset - carried + found + needle.Length;
                    }

                    // Keep the tail so a marker split across reads is still found.
                    var keep = Math.Min(needle.Length - 1, window.Length);
                    window[^keep..].CopyTo(buffer);
                    offset += read;
                    carried = keep;
                }
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"'{marker}' did not appear in {path} within {timeout.TotalSeconds:0.#} s");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>The last line of the log's tail that holds <paramref name="marker"/>, from the marker on; null when none does.</summary>
    public static string? LastLineWith(string path, string marker)
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var tail = Tail(path, MaxScanBytes);
        var at = tail.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var end = tail.IndexOf('\n', at);
        return tail[at..(end < 0 ? tail.Length : end)].TrimEnd();
    }

    /// <summary>The last <paramref name="maxBytes"/> of the log as text (for <c>vm console</c> and error messages).</summary>
    public static string Tail(string path, int maxBytes)
    {
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var start = Math.Max(0, stream.Length - maxBytes);
        stream.Seek(start, SeekOrigin.Begin);
        var bytes = new byte[stream.Length - start];
        stream.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }
}
