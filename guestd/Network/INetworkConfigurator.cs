using System.Net;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// The operations guestd needs from the network stack. Callers pass validated, typed values only
/// (<see cref="InterfacePlan"/>). The service uses <see cref="NetlinkConfigurator"/> (rtnetlink, no process);
/// <see cref="IpRouteConfigurator"/> does the same with iproute2 in a named namespace, the tests' independent peer.
/// </summary>
public interface INetworkConfigurator
{
    /// <summary>The links in this network namespace.</summary>
    Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken);

    Task SetLinkDownAsync(string link, CancellationToken cancellationToken);

    Task SetMacAsync(string link, string mac, CancellationToken cancellationToken);

    Task SetMtuAsync(string link, int mtu, CancellationToken cancellationToken);

    Task RenameAsync(string link, string newName, CancellationToken cancellationToken);

    /// <summary>Removes every address of <paramref name="link"/> (the template's addresses on a fresh clone).</summary>
    Task FlushAddressesAsync(string link, CancellationToken cancellationToken);

    /// <summary>Removes every route through <paramref name="link"/>, both families (the template's routes).</summary>
    Task FlushRoutesAsync(string link, CancellationToken cancellationToken);

    /// <summary>Removes every neighbour (ARP/NDP) entry of <paramref name="link"/>: the template's peers' MACs.</summary>
    Task FlushNeighboursAsync(string link, CancellationToken cancellationToken);

    Task AddAddressAsync(string link, IpPrefix address, CancellationToken cancellationToken);

    Task SetLinkUpAsync(string link, CancellationToken cancellationToken);

    /// <summary>Adds or replaces the default route of the gateway's address family.</summary>
    Task ReplaceDefaultRouteAsync(string link, IPAddress gateway, CancellationToken cancellationToken);

    Task ReplaceRouteAsync(string link, RoutePlan route, CancellationToken cancellationToken);

    /// <summary>
    /// Makes every change requested since the last commit take effect. An implementation may queue
    /// changes until here (iproute2's <c>-batch</c> runs them in one process); one that applies each
    /// change at once does nothing.
    /// </summary>
    Task CommitAsync(CancellationToken cancellationToken);

    /// <summary>Sends a gratuitous ARP for <paramref name="address"/> (IPv4) from <paramref name="link"/>, so switches and peers learn the new MAC at once.</summary>
    Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken);
}
