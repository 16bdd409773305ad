using System.Net;
using Jumpstart.Guestd.Network;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// A warm-up's network: lists the real links (running <c>ip -j link show</c> and its JSON parsing)
/// and builds every argv a clone would run, but changes nothing.
/// </summary>
internal sealed class WarmUpNetwork(INetworkConfigurator real) : INetworkConfigurator
{
    public Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken) => real.ListLinksAsync(cancellationToken);

    public Task SetLinkDownAsync(string link, CancellationToken cancellationToken) => Built(IpCommands.LinkDown(link));

    public Task SetMacAsync(string link, string mac, CancellationToken cancellationToken) => Built(IpCommands.SetMac(link, mac));

    public Task SetMtuAsync(string link, int mtu, CancellationToken cancellationToken) => Built(IpCommands.SetMtu(link, mtu));

    public Task RenameAsync(string link, string newName, CancellationToken cancellationToken) => Built(IpCommands.Rename(link, newName));

    public Task FlushAddressesAsync(string link, CancellationToken cancellationToken) => Built(IpCommands.FlushAddresses(link));

    public Task FlushRoutesAsync(string link, CancellationToken cancellationToken) => Built(IpCommands.FlushRoutes(link));

    public Task FlushNeighboursAsync(string link, CancellationToken cancellationToken) => Built(IpCommands.FlushNeighbours(link));

    public Task AddAddressAsync(string link, IpPrefix address, CancellationToken cancellationToken) => Built(IpCommands.AddAddress(link, address));

    public Task SetLinkUpAsync(string link, CancellationToken cancellationToken) => Built(IpCommands.LinkUp(link));

    public Task ReplaceDefaultRouteAsync(string link, IPAddress gateway, CancellationToken cancellationToken)
        => Built(IpCommands.ReplaceDefaultRoute(link, gateway));

    public Task ReplaceRouteAsync(string link, RoutePlan route, CancellationToken cancellationToken) => Built(IpCommands.ReplaceRoute(link, route));

    public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken) => Built(IpCommands.GratuitousArp(link, address));

    /// <summary>The argv was built (that code is now compiled); nothing runs.</summary>
    private static Task Built(IReadOnlyList<string> argv)
    {
        _ = argv;
        return Task.CompletedTask;
    }
}
