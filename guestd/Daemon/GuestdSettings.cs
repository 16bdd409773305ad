using System.Text.Json;
using Jumpstart.Guestd.Cms;
using Jumpstart.Guestd.Configuration;

namespace Jumpstart.Guestd.Daemon;

/// <summary>
/// <c>/etc/jumpstart/guestd.json</c>. Every key is optional; a missing file means the defaults.
/// </summary>
public sealed record GuestdSettings
{
    public const string DefaultPath = "/etc/jumpstart/guestd.json";

    /// <summary>A settings file is a few hundred bytes; refuse anything absurd before reading it.</summary>
    private const long MaxFileBytes = 1 << 20;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>CDROM devices to watch for a metadata disc.</summary>
    public IReadOnlyList<string> Devices { get; init; } = ["/dev/sr0", "/dev/sr1"];

    public int PollIntervalMs { get; init; } = 1000;

    public string StateDirectory { get; init; } = EngineOptions.DefaultStateDirectory;

    public string Root { get; init; } = "/";

    public int SelfTimeoutSeconds { get; init; } = 300;

    public int CommandTimeoutSeconds { get; init; } = 300;

    /// <summary>How long to keep retrying an unreachable CMS.</summary>
    public int CmsRetrySeconds { get; init; } = 120;

    public int RoleWaitSeconds { get; init; } = 600;

    /// <summary>The iproute2 binary.</summary>
    public string IpTool { get; init; } = "ip";

    /// <summary>Reads <paramref name="path"/>; a missing file gives the defaults.</summary>
    /// <exception cref="GuestdConfigFileException">The file is unreadable, malformed or out of range.</exception>
    public static GuestdSettings Load(string path)
    {
        GuestdSettings settings;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return new GuestdSettings();
            }

            if (info.Length > MaxFileBytes)
            {
                throw new GuestdConfigFileException(path, $"larger than {MaxFileBytes} bytes");
            }

            settings = JsonSerializer.Deserialize<GuestdSettings>(File.ReadAllBytes(path), s_json)
                ?? throw new GuestdConfigFileException(path, "is empty (null)");
        }
        catch (JsonException ex)
        {
            throw new GuestdConfigFileException(path, ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GuestdConfigFileException(path, ex.Message, ex);
        }

        settings.Check(path);
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

        Require(Devices.Count > 0 && Devices.All(d => d.StartsWith('/')), path, "devices must be absolute paths");
        Require(PollIntervalMs is >= 10 and <= 600_000, path, "pollIntervalMs must be 10-600000");
        Require(Path.IsPathRooted(StateDirectory) && Path.IsPathRooted(Root), path, "stateDirectory and root must be absolute");
        Require(SelfTimeoutSeconds > 0 && CommandTimeoutSeconds > 0 && CmsRetrySeconds > 0 && RoleWaitSeconds > 0, path, "timeouts must be positive");
        Require(!string.IsNullOrEmpty(IpTool), path, "ipTool must not be empty");
    }
}
