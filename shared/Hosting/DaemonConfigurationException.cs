using Jumpstart.Shared.Cli;

namespace Jumpstart.Shared.Hosting;

/// <summary>The daemon's configuration is missing, unreadable as JSON, or has invalid values: exit 78 (EX_CONFIG).</summary>
public sealed class DaemonConfigurationException : DaemonStartupException
{
    public DaemonConfigurationException(string message, Exception? inner = null)
        : base(message, ExitCodes.Config, inner)
    {
    }
}
