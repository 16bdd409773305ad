using System.Net.Sockets;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Systemd;
using Microsoft.Extensions.Options;

namespace Jumpstart.Shared.Hosting;

/// <summary>Why a daemon failed, as an exit code and one line for the operator.</summary>
/// <param name="ExitCode">sysexits-style code (see <see cref="ExitCodes"/>).</param>
/// <param name="Message">One readable line; a stack trace only for bugs (exit 70).</param>
public readonly record struct DaemonFailure(int ExitCode, string Message)
{
    /// <summary>Classifies an exception that ended a daemon's start or run.</summary>
    public static DaemonFailure From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            DaemonStartupException e => new(e.ExitCode, e.Message),
            OptionsValidationException e => new(ExitCodes.Config, $"invalid configuration: {string.Join("; ", e.Failures)}"),
            InvalidDataException e => new(ExitCodes.Config, $"bad configuration: {e.Message} {e.InnerException?.Message}".TrimEnd()),
            SystemdActivationException e => new(ExitCodes.Config, $"socket activation: {e.Message}"),
            UnauthorizedAccessException e => new(ExitCodes.NoPermission, $"permission denied: {e.Message}"),
            SocketException { SocketErrorCode: SocketError.AccessDenied } e => new(ExitCodes.NoPermission, $"permission denied: {e.Message}"),
            SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } e => new(ExitCodes.Unavailable, $"address in use: {e.Message}"),
            SocketException e => new(ExitCodes.IoError, $"socket error: {e.Message}"),
            IOException e => new(ExitCodes.IoError, $"I/O error: {e.Message}"),
            // Anything else is a bug: say so with the stack, and never pretend success.
            _ => new(ExitCodes.Software, $"internal error: {exception}"),
        };
    }
}
