using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// Runs a command's body and turns the failures every command shares into one clear line on
/// stderr and a sysexits-style exit code. Unknown exceptions are bugs: exit 70 with the message.
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
            await error.WriteLineAsync($"jumpstart: the service refused: {ex.Message} (code {ex.Code})");
            return ex.Code switch
            {
                HostErrorCodes.InvalidRequest => ExitCodes.Usage,
                HostErrorCodes.BundleInvalid or HostErrorCodes.SpecMismatch or HostErrorCodes.DataError => ExitCodes.DataError,
                HostErrorCodes.NotFound => ExitCodes.NoInput,
                HostErrorCodes.VmFailed or HostErrorCodes.Unavailable => ExitCodes.Unavailable,
                _ => ExitCodes.Failure,
            };
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
    }
}
