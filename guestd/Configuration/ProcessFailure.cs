using System.Globalization;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Guestd.Configuration;

/// <summary>One way to say why a child process failed, for error messages and failure reports.</summary>
internal static class ProcessFailure
{
    /// <summary>Enough of stderr to explain a failure without flooding the CMS's detail field.</summary>
    private const int TailLines = 5;

    public static string Describe(ProcessResult result, TimeSpan timeout)
    {
        if (result.TimedOut)
        {
            return $"timed out after {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s and was killed";
        }

        var tail = string.Join(" | ", result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(TailLines));
        return tail.Length > 0 ? $"exit {result.ExitCode}: {tail}" : $"exit {result.ExitCode}";
    }
}
