namespace Jumpstart.Hostd.Cms;

/// <summary>
/// Configuration of the CMS (section <c>Cms</c> of the hostd configuration).
/// </summary>
public sealed class CmsOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Cms";

    /// <summary>Default TCP listen address.</summary>
    public const string DefaultListen = "127.0.0.1:7070";

    /// <summary>Default bound on how long a <c>cms.wait</c> call is held.</summary>
    public const int DefaultMaxWaitMs = 120_000;

    /// <summary>Whether hostd runs the CMS at all (it is optional: one host per deployment runs it).</summary>
    public bool Enabled { get; set; }

    /// <summary>TCP <c>address:port</c> guests and remote operators connect to; port 0 picks a free port.</summary>
    public string Listen { get; set; } = DefaultListen;

    /// <summary>
    /// <c>host:port</c> written on clones' metadata discs as the CMS to register with, when guests reach the CMS at
    /// another address than <see cref="Listen"/> (a NAT, a forwarded port, a DNS name). Null: <see cref="Listen"/>
    /// itself, which must then be an address guests can reach (not loopback, not 0.0.0.0).
    /// </summary>
    public string? GuestEndpoint { get; set; }

    /// <summary>Optional unix socket for local administration (created with mode 0660).</summary>
    public string? UnixSocketPath { get; set; }

    /// <summary>
    /// Group whose members may administer the CMS on <see cref="UnixSocketPath"/> without the admin token (checked with
    /// SO_PEERCRED); root and hostd's own user always may. Null: nobody else.
    /// </summary>
    public string? AdminGroup { get; set; }

    /// <summary>The SQLite database holding deployments, registrations, roles and reports.</summary>
    public string DatabasePath { get; set; } = "/var/lib/jumpstart/cms/cms.db";

    /// <summary>File holding the admin token; generated (mode 0600) on first start if absent.</summary>
    public string AdminTokenFile { get; set; } = "/var/lib/jumpstart/cms/admin.token";

    /// <summary>Server-side bound on a <c>cms.wait</c> call's timeout, whatever the caller asks for.</summary>
    public int MaxWaitMs { get; set; } = DefaultMaxWaitMs;
}
