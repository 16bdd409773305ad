namespace Jumpstart.Shared.Metadata;

/// <summary>One network interface of a clone. It is found by the template's MAC or by name.</summary>
public sealed record InterfaceConfig
{
    /// <summary>Match the interface whose current MAC is this (the template's MAC on a fresh clone).</summary>
    public string? MatchMac { get; init; }

    /// <summary>Match the interface by kernel name (e.g. <c>eth0</c>).</summary>
    public string? MatchName { get; init; }

    /// <summary>Rename the matched interface to this (optional).</summary>
    public string? Name { get; init; }

    /// <summary>The MAC this clone must use (lower-case colon form).</summary>
    public string? Mac { get; init; }

    /// <summary>Addresses in CIDR form, e.g. <c>10.0.0.5/24</c> or <c>fd00::5/64</c>.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Use DHCP instead of (or besides) static addresses.</summary>
    public bool Dhcp { get; init; }

    public string? Gateway { get; init; }

    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    public IReadOnlyList<string> DnsServers { get; init; } = [];

    public IReadOnlyList<string> DnsSearch { get; init; } = [];

    public int? Mtu { get; init; }
}
