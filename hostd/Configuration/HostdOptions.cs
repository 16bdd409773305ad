namespace Jumpstart.Hostd.Configuration;

/// <summary>
/// jumpstart-hostd's own settings: configuration section "Hostd" of /etc/jumpstart/hostd.json,
/// overridable by JUMPSTART_HOSTD__* variables (e.g. JUMPSTART_HOSTD__STATEDIRECTORY) and by
/// --state-dir / --runtime-dir. Reloaded on SIGHUP; the paths take effect at the next start.
/// </summary>
public sealed class HostdOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Hostd";

    public const string DefaultStateDirectory = "/var/lib/jumpstart";
    public const string DefaultRuntimeDirectory = "/run/jumpstart";
    public const string ControlSocketFileName = "hostd.sock";

    /// <summary>Default permissions of the control socket: owner and group may connect.</summary>
    public const string DefaultControlSocketMode = "0660";

    /// <summary>Longest accepted node name (a DNS label).</summary>
    public const int MaxNodeNameLength = 63;

    /// <summary>This host's name among its peers; shown in the status line. Defaults to the machine name.</summary>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Persistent state: SQLite databases, state bundles, images (StateDirectory=jumpstart).</summary>
    public string StateDirectory { get; set; } = DefaultStateDirectory;

    /// <summary>Sockets and other runtime files (RuntimeDirectory=jumpstart).</summary>
    public string RuntimeDirectory { get; set; } = DefaultRuntimeDirectory;

    /// <summary>The local control socket the CLI talks JSON-RPC on; defaults to {RuntimeDirectory}/hostd.sock.</summary>
    public string? ControlSocketPath { get; set; }

    /// <summary>Octal permissions of the control socket.</summary>
    public string ControlSocketMode { get; set; } = DefaultControlSocketMode;

    /// <summary>Group that owns the control socket (members may use the CLI); null keeps the daemon's group.</summary>
    public string? ControlSocketGroup { get; set; }

    /// <summary>The control socket path after applying the default.</summary>
    public string EffectiveControlSocketPath => string.IsNullOrEmpty(ControlSocketPath)
        ? Path.Combine(RuntimeDirectory, ControlSocketFileName)
        : ControlSocketPath;
}
