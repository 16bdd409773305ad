using Jumpstart.Shared.Systemd;

namespace Jumpstart.Shared.Hosting;

/// <summary>How to build one Jumpstart daemon's host (see <see cref="JumpstartDaemon.CreateBuilder"/>).</summary>
public sealed record DaemonSettings
{
    /// <summary>Short name, e.g. "hostd": the config file is /etc/jumpstart/{Name}.json, its override variable JUMPSTART_{NAME}_CONFIG.</summary>
    public required string Name { get; init; }

    /// <summary>Configuration file given on the command line (--config); wins over the environment variable and the default.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Configuration values that win over the file and the environment (command-line switches such as --state-dir).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>The systemd environment; null reads (and unsets) the process's own variables.</summary>
    public SystemdEnvironment? Systemd { get; init; }

    /// <summary>Environment lookup, replaceable for tests; defaults to the process environment.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;
}
