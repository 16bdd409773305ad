using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.Metadata;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// Runs a command's body and turns the failures every command shares into one clear line on
/// stderr and a sysexits-style exit code. A service's error answer becomes an exit code in one place
/// (<see cref="ErrorCodeMap"/>); an area exception raised here knows its own. Unknown exceptions are bugs: exit 70
/// with the message.
/// </summary>
public static class CliAction
{
    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (CliUsageException ex)
        {
            await error.WriteLineAsync($"jumpstart: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is MetadataException or JsonException or FormatException or InvalidDataException)
        {
            await error.WriteLineAsync($"jumpstart: bad data: {ex.Message}");
            return ExitCodes.DataError;
        }
        catch (FileNotFoundException ex)
        {
            await error.WriteLineAsync($"jumpstart: {ex.Message}");
            return ExitCodes.NoInput;
        }
        catch (DirectoryNotFoundException ex)
        {
            await error.WriteLineAsync($"jumpstart: {ex.Message}");
            return ExitCodes.NoInput;
        }
        catch (UnauthorizedAccessException ex)
        {
            await error.WriteLineAsync($"jumpstart: permission denied: {ex.Message}");
            return ExitCodes.NoPermission;
        }
        catch (SocketException ex)
        {
            await error.WriteLineAsync($"jumpstart: cannot reach the service: {ex.Message}");
            return ExitCodes.Unavailable;
        }
        catch (JumpstartException ex)
        {
            await error.WriteLineAsync($"jumpstart: {ex.Message}");
            return ex.ExitCode;
        }
        catch (ConnectionLostException ex)
        {
            await error.WriteLineAsync($"jumpstart: connection lost: {ex.Message}");
            return ExitCodes.Unavailable;
        }
        catch (Deploy.DeployException ex)
        {
            await error.WriteLineAsync($"jumpstart: deploy: {ex.Message}");
            return ExitCodes.Unavailable;
        }
        catch (RemoteInvocationException ex)
        {
            await error.WriteLineAsync($"jumpstart: the service refused: {ex.Message} (code {ex.ErrorCode})");
            return ErrorCodeMap.ExitCodeOf(ex.ErrorCode);
        }
        catch (RemoteMethodNotFoundException ex)
        {
            await error.WriteLineAsync($"jumpstart: the service does not offer this ({ex.Message}, code {(int)ex.ErrorCode}): is it the same version?");
            return ErrorCodeMap.ExitCodeOf((int)ex.ErrorCode);
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"jumpstart: I/O error: {ex.Message}");
            return ExitCodes.IoError;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("jumpstart: interrupted");
            return ExitCodes.TempFail;
        }
        catch (Exception ex)
        {
            return await InternalErrorAsync(error, ex);
        }
    }

    /// <summary>An exception no command expects is a bug in the CLI: say what it was and exit 70 (EX_SOFTWARE).</summary>
    public static async Task<int> InternalErrorAsync(TextWriter error, Exception ex)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(ex);
        await error.WriteLineAsync($"jumpstart: internal error ({ex.GetType().Name}): {ex.Message}");
        return ExitCodes.Software;
    }
}
