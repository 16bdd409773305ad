using Jumpstart.Guestd.Cms;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Shared.Hosting;
using Jumpstart.Shared.IO;
using Microsoft.Extensions.Configuration;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// The <c>Guestd</c> section of <c>/etc/jumpstart/guestd.json</c>. Every key is optional; a missing
/// file means the defaults.
/// </summary>
public sealed record GuestdSettings
{
    public const string DefaultPath = "/etc/jumpstart/guestd.json";

    /// <summary>The configuration section: <c>{ "Guestd": { "devices": [...], ... } }</c>.</summary>
    public const string Section = "Guestd";

    /// <summary>Most bytes read from a settings file (they are a few hundred bytes).</summary>
    private const long MaxFileBytes = JumpstartDaemon.MaxConfigFileBytes;

    /// <summary>CDROM devices to watch for a metadata disc.</summary>
    /// <remarks>Null means <see cref="DefaultDevices"/> (the binder would append to a non-empty default array).</remarks>
    public string[]? Devices { get; init; }

    /// <summary>The first two CDROM drives, where hostd inserts a clone's metadata disc.</summary>
    public static IReadOnlyList<string> DefaultDevices { get; } = ["/dev/sr0", "/dev/sr1"];

    /// <summary>The devices actually watched.</summary>
    public IReadOnlyList<string> WatchedDevices => Devices ?? DefaultDevices;

    public int PollIntervalMs { get; init; } = 1000;

    public string StateDirectory { get; init; } = EngineOptions.DefaultStateDirectory;

    public string Root { get; init; } = "/";

    public int SelfTimeoutSeconds { get; init; } = 300;

    public int CommandTimeoutSeconds { get; init; } = 300;

    /// <summary>How long to keep retrying an unreachable CMS.</summary>
    public int CmsRetrySeconds { get; init; } = 120;

    public int RoleWaitSeconds { get; init; } = 600;

    /// <summary>The iproute2 binary. Not used by the service since it speaks rtnetlink itself; still read so existing files load.</summary>
    public string IpTool { get; init; } = "ip";

    /// <summary>arping (busybox's or iputils'). Not used by the service since it sends the ARP itself; still read so existing files load.</summary>
    public string ArpingTool { get; init; } = "arping";

    /// <summary>Where to write <see cref="ConsoleMarkers"/> lines (e.g. /dev/console in the test guest); null: none.</summary>
    public string? ConsoleDevice { get; init; }

    /// <summary>Reads the <c>Guestd</c> section of <paramref name="path"/>; a missing file gives the defaults.</summary>
    /// <exception cref="GuestdConfigFileException">The file is unreadable, malformed or out of range.</exception>
    public static GuestdSettings Load(string path)
    {
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(new BoundedFileProvider(MaxFileBytes), Path.GetFullPath(path), optional: true, reloadOnChange: false)
                .Build();
            return From(configuration, path);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException or InputFileException)
        {
            throw new GuestdConfigFileException(path, ex.InnerException?.Message ?? ex.Message, ex);
        }
    }

    /// <summary>The <c>Guestd</c> section of an already-built configuration (the daemon host's), checked.</summary>
    public static GuestdSettings From(IConfiguration configuration, string source)
    {
        var settings = configuration.GetSection(Section).Get<GuestdSettings>(o => o.ErrorOnUnknownConfiguration = true) ?? new GuestdSettings();
        settings.Check(source);
        return settings;
    }

    /// <summary>The engine's options from these settings.</summary>
    public EngineOptions ToEngineOptions() => new()
    {
        StateDirectory = StateDirectory,
        Root = Root,
        SelfTimeout = TimeSpan.FromSeconds(SelfTimeoutSeconds),
        CommandTimeout = TimeSpan.FromSeconds(CommandTimeoutSeconds),
        RoleWaitTimeout = TimeSpan.FromSeconds(RoleWaitSeconds),
        CmsRetry = new CmsRetryPolicy { Budget = TimeSpan.FromSeconds(CmsRetrySeconds) },
    };

    private void Check(string path)
    {
        static void Require(bool ok, string path, string message)
        {
            if (!ok)
            {
                throw new GuestdConfigFileException(path, message);
            }
        }

        Require(WatchedDevices.Count > 0 && WatchedDevices.All(d => d.StartsWith('/')), path, "devices must be absolute paths");
        Require(PollIntervalMs is >= 10 and <= 600_000, path, "pollIntervalMs must be 10-600000");
        Require(Path.IsPathRooted(StateDirectory) && Path.IsPathRooted(Root), path, "stateDirectory and root must be absolute");
        Require(SelfTimeoutSeconds > 0 && CommandTimeoutSeconds > 0 && CmsRetrySeconds > 0 && RoleWaitSeconds > 0, path, "timeouts must be positive");
        Require(!string.IsNullOrEmpty(IpTool) && !string.IsNullOrEmpty(ArpingTool), path, "ipTool and arpingTool must not be empty");
        Require(ConsoleDevice is null || ConsoleDevice.StartsWith('/'), path, "consoleDevice must be an absolute path");
    }
}
