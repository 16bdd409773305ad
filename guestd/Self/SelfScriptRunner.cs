using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Processes;
using Microsoft.Extensions.Logging;
using Jumpstart.Shared.IO;

namespace Jumpstart.Guestd.Self;

/// <summary>
/// Runs the user's <c>self</c> script once per instance: saved under the state directory (0700) and
/// executed directly when it has a <c>#!</c> line, else by <c>/bin/sh</c>; metadata in its
/// environment, each output line logged, killed after the timeout.
/// </summary>
public sealed partial class SelfScriptRunner(ILogger<SelfScriptRunner> logger)
{
    public const string ScriptFileName = "self";
    private const string DefaultInterpreter = "/bin/sh";
    private const int MaxCapturedChars = 64 * 1024;

    public async Task RunAsync(string script, string stateDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = Path.Combine(stateDirectory, ScriptFileName);
        AtomicFile.WriteAllText(path, script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (file, argv) = script.StartsWith("#!", StringComparison.Ordinal)
            ? (path, Array.Empty<string>())
            : (DefaultInterpreter, new[] { path });
        LogStarting(logger, path, timeout.TotalSeconds);

        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(file, argv, new ProcessRunOptions
            {
                Timeout = timeout,
                Environment = environment,
                WorkingDirectory = stateDirectory,
                MaxCapturedChars = MaxCapturedChars,
                OnLine = line => LogOutput(logger, line.IsError ? "stderr" : "stdout", line.Text),
            }, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new GuestConfigException(StepNames.Self, $"cannot start the self script: {ex.Message}", ex);
        }

        if (!result.Succeeded)
        {
            throw new GuestConfigException(StepNames.Self, $"the self script failed ({ProcessFailure.Describe(result, timeout)})");
        }
    }

    [LoggerMessage(EventId = LogEventIds.GuestdSelf.Starting, Level = LogLevel.Information, Message = "Running self script {Path} (timeout {TimeoutSeconds} s)")]
    private static partial void LogStarting(ILogger logger, string path, double timeoutSeconds);

    [LoggerMessage(EventId = LogEventIds.GuestdSelf.Output, Level = LogLevel.Information, Message = "self {Stream}: {Line}")]
    private static partial void LogOutput(ILogger logger, string stream, string line);
}
