namespace Jumpstart.Hostd.Metrics;

/// <summary>
/// Section <c>Metrics</c> of the hostd configuration: whether hostd serves Prometheus metrics, and where. Off by
/// default; when on, it listens on the loopback address unless <see cref="AllowNonLoopback"/> says otherwise (the
/// endpoint has no authentication, and names images, interfaces and roles).
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Metrics";

    /// <summary>The port OpenTelemetry's Prometheus exporter uses by default (Prometheus's port allocation list).</summary>
    public const int DefaultPort = 9464;

    /// <summary>Default <see cref="Address"/>.</summary>
    public const string DefaultAddress = "127.0.0.1:9464";

    /// <summary>The path Prometheus scrapes (its default <c>metrics_path</c>).</summary>
    public const string Path = "/metrics";

    /// <summary>Whether hostd serves metrics at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>The <c>address:port</c> (IPv6 in brackets) the HTTP endpoint listens on.</summary>
    public string Address { get; set; } = DefaultAddress;

    /// <summary>Accept an <see cref="Address"/> that is not a loopback address (e.g. a management network's).</summary>
    public bool AllowNonLoopback { get; set; }
}
