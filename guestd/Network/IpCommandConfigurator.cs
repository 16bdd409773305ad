using System.Net;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// An <see cref="INetworkConfigurator"/> whose every change is one <see cref="IpCommands"/> argument
/// vector: subclasses decide what a change does (queue it for <c>ip -batch</c>, drop it during a
/// warm-up, record it in a test) in <see cref="ChangeAsync"/>.
/// </summary>
public abstract class IpCommandConfigurator : INetworkConfigurator
{
    public abstract Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken);

    public abstract Task CommitAsync(CancellationToken cancellationToken);

    public abstract Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken);

    public virtual Task SetLinkDownAsync(string link, CancellationToken cancellationToken) => ChangeAsync(IpCommands.LinkDown(link), cancellationToken);

    public virtual Task SetMacAsync(string link, string mac, CancellationToken cancellationToken) => ChangeAsync(IpCommands.SetMac(link, mac), cancellationToken);

    public virtual Task SetMtuAsync(string link, int mtu, CancellationToken cancellationToken) => ChangeAsync(IpCommands.SetMtu(link, mtu), cancellationToken);

    public virtual Task RenameAsync(string link, string newName, CancellationToken cancellationToken)
        => ChangeAsync(IpCommands.Rename(link, newName), cancellationToken);

    public virtual Task FlushAddressesAsync(string link, CancellationToken cancellationToken) => ChangeAsync(IpCommands.FlushAddresses(link), cancellationToken);

    public virtual Task FlushRoutesAsync(string link, CancellationToken cancellationToken) => ChangeAsync(IpCommands.FlushRoutes(link), cancellationToken);

    public virtual Task FlushNeighboursAsync(string link, CancellationToken cancellationToken) => ChangeAsync(IpCommands.FlushNeighbours(link), cancellationToken);

    public virtual Task AddAddressAsync(string link, IpPrefix address, CancellationToken cancellationToken)
        => ChangeAsync(IpCommands.AddAddress(link, address), cancellationToken);

    public virtual Task SetLinkUpAsync(string link, CancellationToken cancellationToken) => ChangeAsync(IpCommands.LinkUp(link), cancellationToken);

    public virtual Task ReplaceDefaultRouteAsync(string link, IPAddress gateway, CancellationToken cancellationToken)
        => ChangeAsync(IpCommands.ReplaceDefaultRoute(link, gateway), cancellationToken);

    public virtual Task ReplaceRouteAsync(string link, RoutePlan route, CancellationToken cancellationToken)
        => ChangeAsync(IpCommands.ReplaceRoute(link, route), cancellationToken);

    /// <summary>Makes, queues or records the change <paramref name="argv"/> (arguments of <c>ip</c>).</summary>
    protected abstract Task ChangeAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken);
}
