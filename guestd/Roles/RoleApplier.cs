using System.Buffers;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Processes;
using Microsoft.Extensions.Logging;
using Jumpstart.Shared.IO;

namespace Jumpstart.Guestd.Roles;

/// <summary>
/// Applies the CMS's assignment as given: writes its files atomically under the root with the given
/// modes, then runs its commands in order as argument vectors, with the assignment's variables in
/// the environment. The first failure stops it. The CMS has already expanded <c>${NAME}</c>
/// templates; expanding again here would undo its <c>$${NAME}</c> escape, so content is written as
/// received. It knows no role name: whatever the role is called, applying it is the same.
/// </summary>
public sealed partial class RoleApplier(ILogger<RoleApplier> logger)
{
    public const int MaxFiles = 256;
    public const int MaxCommands = 64;
    public const int MaxArguments = 256;
    public const int MaxVariableNameLength = 64;

    /// <summary>Permission bits and setuid/setgid/sticky: four octal digits at most.</summary>
    private const int MaxModeDigits = 4;
    private const int ModeMask = 0b111_111_111_111;
    private const int MaxCapturedChars = 64 * 1024;

    private static readonly SearchValues<char> s_variableChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    /// <summary>Applies <paramref name="assignment"/>; <paramref name="environment"/> is the instance's (see <see cref="GuestEnvironment"/>).</summary>
    public async Task ApplyAsync(
        RoleAssignment assignment,
        string root,
        IReadOnlyDictionary<string, string?> environment,
        TimeSpan commandTimeout,
        CancellationToken cancellationToken)
    {
        var configuration = assignment.Configuration;
        if (configuration.Files.Count > MaxFiles || configuration.Commands.Count > MaxCommands)
        {
            Fail($"the role has {configuration.Files.Count} files and {configuration.Commands.Count} commands; at most {MaxFiles} and {MaxCommands}");
        }

        var variables = Variables(assignment);
        foreach (var file in configuration.Files)
        {
            var target = ResolveUnderRoot(root, file.Path);
            var mode = ParseMode(file.Mode);
            AtomicFile.WriteAllText(target, file.Content, mode);
            LogWroteFile(logger, target, file.Mode);
        }

        var commandEnvironment = new Dictionary<string, string?>(environment, StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            commandEnvironment[name] = value;
        }

        foreach (var command in configuration.Commands)
        {
            await RunCommandAsync([.. command], commandEnvironment, commandTimeout, cancellationToken);
        }
    }

    /// <summary>Parses an octal mode such as <c>0640</c>.</summary>
    public static UnixFileMode ParseMode(string text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxModeDigits || !text.All(c => c is >= '0' and <= '7'))
        {
            Fail($"file mode '{MetadataPlanner.Printable(text)}' is not 1-{MaxModeDigits} octal digits");
        }

        return (UnixFileMode)(Convert.ToInt32(text, 8) & ModeMask);
    }

    /// <summary>
    /// Maps an absolute role path into <paramref name="root"/>. Paths with <c>..</c> or that leave the
    /// root are refused, so a role cannot write outside the tree guestd manages.
    /// </summary>
    public static string ResolveUnderRoot(string root, string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Contains('\0', StringComparison.Ordinal)
            || path.Split('/').Any(part => part == "..") || path.EndsWith('/'))
        {
            Fail($"file path '{MetadataPlanner.Printable(path)}' must be absolute, name a file and contain no '..'");
        }

        var fullRoot = Path.GetFullPath(root);
        var target = Path.GetFullPath(Path.Combine(fullRoot, path.TrimStart('/')));
        var prefix = fullRoot.EndsWith('/') ? fullRoot : fullRoot + "/";
        if (!target.StartsWith(prefix, StringComparison.Ordinal))
        {
            Fail($"file path '{MetadataPlanner.Printable(path)}' leaves the root");
        }

        return target;
    }

    private static Dictionary<string, string> Variables(RoleAssignment assignment)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in assignment.Variables)
        {
            if (name.Length is 0 or > MaxVariableNameLength || char.IsAsciiDigit(name[0]) || name.AsSpan().ContainsAnyExcept(s_variableChars)
                || value.Contains('\0', StringComparison.Ordinal))
            {
                Fail($"role variable '{MetadataPlanner.Printable(name)}' is not a valid environment variable");
            }

            variables[name] = value;
        }

        return variables;
    }

    private async Task RunCommandAsync(string[] argv, Dictionary<string, string?> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (argv.Length is 0 or > MaxArguments || string.IsNullOrEmpty(argv[0]))
        {
            Fail($"a role command needs 1-{MaxArguments} arguments and a program name");
        }

        var display = string.Join(' ', argv.Select(a => MetadataPlanner.Printable(a)));
        LogRunning(logger, display);
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(argv[0], argv[1..], new ProcessRunOptions
            {
                Timeout = timeout,
                Environment = environment,
                MaxCapturedChars = MaxCapturedChars,
                OnLine = line => LogOutput(logger, argv[0], line.Text),
            }, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            throw new GuestConfigException(StepNames.ApplyRole, $"cannot run role command '{display}': {ex.Message}", ex);
        }

        if (!result.Succeeded)
        {
            Fail($"role command '{display}' failed ({ProcessFailure.Describe(result, timeout)})");
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string message) => throw new GuestConfigException(StepNames.ApplyRole, message);

    [LoggerMessage(EventId = LogEventIds.GuestdAssignment.WroteFile, Level = LogLevel.Information, Message = "Wrote {Path} (mode {Mode})")]
    private static partial void LogWroteFile(ILogger logger, string path, string mode);

    [LoggerMessage(EventId = LogEventIds.GuestdAssignment.Running, Level = LogLevel.Information, Message = "Running role command: {Command}")]
    private static partial void LogRunning(ILogger logger, string command);

    [LoggerMessage(EventId = LogEventIds.GuestdAssignment.Output, Level = LogLevel.Information, Message = "{Program}: {Line}")]
    private static partial void LogOutput(ILogger logger, string program, string line);
}
