using Jumpstart.Guestd.Cms;

namespace Jumpstart.Guestd.Configuration;

/// <summary>Where the engine writes and how long its steps may take.</summary>
public sealed record EngineOptions
{
    public const string DefaultStateDirectory = "/var/lib/jumpstart/guestd";

    /// <summary>Holds the instance marker and the saved <c>self</c> script.</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory;

    /// <summary>The file-system root for /etc/hostname, /etc/resolv.conf and role files; "/" on a real guest.</summary>
    public string Root { get; init; } = "/";

    public TimeSpan SelfTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a worker waits for its master to appear before it fails.</summary>
    public TimeSpan RoleWaitTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public CmsRetryPolicy CmsRetry { get; init; } = new();
}
