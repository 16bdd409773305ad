using System.Globalization;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Tests.Support;

/// <summary>What a short-lived program did: its exit, its output and the most memory it ever held.</summary>
public sealed record MeasuredResult(int ExitCode, string StandardOutput, string StandardError, long PeakRssBytes);

/// <summary>
/// Runs a short-lived program (a CLI command under attack) under GNU <c>/usr/bin/time</c>, which reports the child's
/// peak resident set (getrusage ru_maxrss) after it exits; sampling /proc cannot catch a process that lives 100 ms.
/// </summary>
public static class MeasuredRun
{
    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; the report goes to a file, so stderr is the program's own.</summary>
    public static async Task<MeasuredResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var report = Path.Combine(Path.GetTempPath(), $"jumpstart-time-{Guid.NewGuid():N}");
        try
        {
            var result = await ProcessRunner.RunAsync(
                Requirements.RequireTool("time"),
                ["-f", "%M", "-o", report, program, .. arguments],
                new ProcessRunOptions { Timeout = timeout });
            if (result.TimedOut)
            {
                throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} ran longer than {timeout}");
            }

            // GNU time writes "Command exited with non-zero status N" before the figure when the child failed.
            var kilobytes = (await File.ReadAllLinesAsync(report)).Last(l => l.Length > 0);
            return new MeasuredResult(result.ExitCode, result.StandardOutput, result.StandardError, long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024);
        }
        finally
        {
            File.Delete(report);
        }
    }
}
