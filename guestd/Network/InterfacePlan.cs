using System.Net;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// One interface's configuration after validation: every value typed and canonical, so what reaches
/// <c>ip</c> cannot be anything but an address, a MAC, a number or a checked name.
/// </summary>
public sealed record InterfacePlan
{
    /// <summary>The template's MAC to find the link by (normalized), or null.</summary>
    public string? MatchMac { get; init; }

    /// <summary>The kernel name to find the link by, or null.</summary>
    public string? MatchName { get; init; }

    /// <summary>Rename the link to this, or null.</summary>
    public string? NewName { get; init; }

    /// <summary>The clone's own MAC (normalized), or null to keep the current one.</summary>
    public string? Mac { get; init; }

    public IReadOnlyList<IpPrefix> Addresses { get; init; } = [];

    public bool Dhcp { get; init; }

    public IPAddress? Gateway { get; init; }

    public IReadOnlyList<RoutePlan> Routes { get; init; } = [];

    public int? Mtu { get; init; }

    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    public IReadOnlyList<string> DnsSearch { get; init; } = [];

    /// <summary>How the plan names the link in messages and in the state file.</summary>
    public string MatchKey => MatchMac ?? MatchName ?? "?";
}

/// <summary>A validated static route.</summary>
public sealed record RoutePlan(IpPrefix Destination, IPAddress? Gateway, int? Metric);
