using System.Globalization;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Guestd.Configuration;

/// <summary>One way to say why a child process failed, for error messages and failure reports.</summary>
internal static class ProcessFailure
{
    /// <summary>Enough of stderr to explain a failure without flooding the CMS's detail field.</summary>
    private const int TailLines = 5;

    /// <summary>Well inside the CMS's 4096-character detail, with room for the step name.</summary>
    private const int MaxTailChars = 2048;

    public static string Describe(ProcessResult result, TimeSpan timeout)
    {
        if (result.TimedOut)
        {
            return $"timed out after {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s and was killed";
        }

        // stderr explains a failure best; a script that only printed to stdout is quoted from there.
        var tail = Tail(result.StandardError);
        if (tail.Length == 0)
        {
            tail = Tail(result.StandardOutput);
        }

        return tail.Length > 0 ? $"exit {result.ExitCode}: {tail}" : $"exit {result.ExitCode}";
    }

    private static string Tail(string output)
    {
        var tail = string.Join(" | ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(TailLines));
        return tail.Length <= MaxTailChars ? tail : tail[^MaxTailChars..];
    }
}
