using Jumpstart.Guestd.Identity;
using Jumpstart.Shared.DBus;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Configuration;

/// <summary>The hostname step: through systemd-hostnamed when it answers, else sethostname(2) and /etc/hostname as before.</summary>
public sealed partial class ConfigurationEngine
{
    /// <summary>Sets the name; returns what the kernel reports afterwards.</summary>
    private async Task<string> SetHostnameAsync(string hostname, CancellationToken cancellationToken)
    {
        if (hostnamed is not null)
        {
            try
            {
                if (await hostnamed.TrySetAsync(hostname, cancellationToken))
                {
                    // hostnamed wrote /etc/hostname (SetStaticHostname) and set the kernel's name (SetHostname).
                    LogHostnamed(_logger, hostname);
                    return Environment.MachineName;
                }
            }
            catch (DBusException ex)
            {
                LogHostnamedFailed(_logger, hostname, ex.Message);
            }
        }

        var name = kernelHostname.Set(hostname);
        HostnameFile.Write(options.Root, hostname);
        return name;
    }

    /// <summary>The warm-up's part of the hostname step that the scratch engine cannot run: asks whether hostnamed is there, changing nothing.</summary>
    private async Task WarmUpHostnamedAsync(CancellationToken cancellationToken)
    {
        if (hostnamed is null)
        {
            return;
        }

        try
        {
            _ = await hostnamed.IsAvailableAsync(cancellationToken);
        }
        catch (DBusException ex)
        {
            LogHostnamedFailed(_logger, "-", ex.Message);
        }
    }

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.HostnamedSet, Level = LogLevel.Information, Message = "Hostname {Hostname} set through systemd-hostnamed")]
    private static partial void LogHostnamed(ILogger logger, string hostname);

    [LoggerMessage(EventId = LogEventIds.GuestdConfiguration.HostnamedFailed, Level = LogLevel.Warning, Message = "systemd-hostnamed did not set hostname {Hostname} ({Reason}); using sethostname(2)")]
    private static partial void LogHostnamedFailed(ILogger logger, string hostname, string reason);
}
