using System.Globalization;

namespace Jumpstart.Tests.Support;

/// <summary>
/// A process's resident memory as the kernel reports it (/proc/PID/status VmRSS), for the hostile-input tests
/// that assert a server's memory stays bounded while it is attacked and returns near its start afterwards.
/// </summary>
public static class ProcessMemory
{
    /// <summary>Resident set size of <paramref name="pid"/> in bytes.</summary>
    /// <exception cref="InvalidOperationException">The process is gone or its status has no VmRSS line.</exception>
    public static long RssBytes(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"process {pid} is gone: {ex.Message}", ex);
        }

        foreach (var line in lines)
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                continue;
            }

            // "VmRSS:     123456 kB"
            var fields = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[0], CultureInfo.InvariantCulture) * 1024;
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS line");
    }

    /// <summary>The largest RSS seen while <paramref name="attack"/> runs, sampled every 50 ms.</summary>
    public static async Task<long> PeakRssWhileAsync(int pid, Func<Task> attack)
    {
        ArgumentNullException.ThrowIfNull(attack);
        long peak = RssBytes(pid);
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                try
                {
                    peak = Math.Max(peak, RssBytes(pid));
                    await Task.Delay(50, done.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (InvalidOperationException)
                {
                    return;
                }
            }
        });
        try
        {
            await attack();
        }
        finally
        {
            await done.CancelAsync();
            await sampler;
        }

        return Math.Max(peak, RssBytes(pid));
    }
}
