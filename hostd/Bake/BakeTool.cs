using Jumpstart.Shared.Processes;

namespace Jumpstart.Hostd.Bake;

/// <summary>Runs one tool of a bake (argv, never a shell) and turns its failure into the bake's typed error.</summary>
public static class BakeTool
{
    /// <summary>Runs <paramref name="tool"/>; <paramref name="onLine"/> sees each output line as it comes (it must not throw).</summary>
    /// <exception cref="BakeException">The tool is missing, failed or timed out (exit 69); the message ends with its last lines.</exception>
    public static async Task RunAsync(
        string tool,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment,
        string step,
        Action<ProcessOutputLine>? onLine,
        CancellationToken cancellationToken)
    {
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                tool,
                arguments,
                new ProcessRunOptions
                {
                    Environment = environment,
                    Timeout = BakeLimits.MaxBakeTime,
                    MaxCapturedChars = 64 * 1024,
                    OnLine = onLine,
                },
                cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw BakeException.StepFailed($"{step}: {ex.Message}", ex);
        }

        if (!result.Succeeded)
        {
            var tail = Tail(result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput, 12);
            throw BakeException.StepFailed($"{step} failed ({(result.TimedOut ? "timed out" : $"exit {result.ExitCode}")}); nothing was written. Its last lines:\n{tail}");
        }
    }

    private static string Tail(string text, int lines)
        => string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines).Select(l => "  " + l));
}
