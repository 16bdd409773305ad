using Jumpstart.Shared.Cli;

namespace Jumpstart.Shared.Hosting;

/// <summary>A daemon cannot start for a reason the operator must fix; carries the sysexits code to exit with.</summary>
public class DaemonStartupException : Exception
{
    public DaemonStartupException(string message, int exitCode = ExitCodes.Unavailable, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; }
}
