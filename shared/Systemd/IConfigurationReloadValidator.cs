using Microsoft.Extensions.Configuration;

namespace Jumpstart.Shared.Systemd;

/// <summary>
/// Checks a freshly read configuration before a reload (SIGHUP) replaces the running one. Register
/// one per options class whose bad values must not reach the running daemon.
/// </summary>
public interface IConfigurationReloadValidator
{
    /// <summary>Returns the problems found in <paramref name="candidate"/>; empty when it is acceptable.</summary>
    IReadOnlyList<string> Validate(IConfiguration candidate);
}
