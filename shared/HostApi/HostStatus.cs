namespace Jumpstart.Shared.HostApi;

/// <summary>The answer to <c>host.status</c>: who this hostd is and which services it runs.</summary>
public sealed record HostStatus
{
    public required string NodeName { get; init; }

    public required string Version { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required string StateDirectory { get; init; }

    public required string ControlSocket { get; init; }

    /// <summary>The CMS endpoint when this host runs the CMS, else null.</summary>
    public string? CmsEndpoint { get; init; }
}
