using System.Net;
using Jumpstart.Guestd.Network;

namespace Jumpstart.Tests.GuestConfig;

/// <summary>
/// Test double for argv recording only: records the <c>ip</c> argument vectors the real
/// configurator would run (built by the same <see cref="IpCommands"/>) and keeps the link list in
/// step with MAC and name changes so a re-run can find its link. The real iproute2 path is proven by
/// the namespace tests.
/// </summary>
internal sealed class RecordingNetworkConfigurator(params NetworkLink[] links) : INetworkConfigurator
{
    private readonly List<NetworkLink> _links = [.. links];

    public List<string> Commands { get; } = [];

    public Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<NetworkLink>>([.. _links]);

    public Task SetLinkDownAsync(string link, CancellationToken cancellationToken) => Record(IpCommands.LinkDown(link));

    public Task SetMacAsync(string link, string mac, CancellationToken cancellationToken)
    {
        Update(link, l => l with { Mac = mac });
        return Record(IpCommands.SetMac(link, mac));
    }

    public Task SetMtuAsync(string link, int mtu, CancellationToken cancellationToken) => Record(IpCommands.SetMtu(link, mtu));

    public Task RenameAsync(string link, string newName, CancellationToken cancellationToken)
    {
        Update(link, l => l with { Name = newName });
        return Record(IpCommands.Rename(link, newName));
    }

    public Task FlushAddressesAsync(string link, CancellationToken cancellationToken) => Record(IpCommands.FlushAddresses(link));

    public Task FlushRoutesAsync(string link, CancellationToken cancellationToken) => Record(IpCommands.FlushRoutes(link));

    public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task FlushNeighboursAsync(string link, CancellationToken cancellationToken) => Record(IpCommands.FlushNeighbours(link));

    public Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken) => Record(["arping", .. IpCommands.GratuitousArp(link, address)]);

    public Task AddAddressAsync(string link, IpPrefix address, CancellationToken cancellationToken) => Record(IpCommands.AddAddress(link, address));

    public Task SetLinkUpAsync(string link, CancellationToken cancellationToken) => Record(IpCommands.LinkUp(link));

    public Task ReplaceDefaultRouteAsync(string link, IPAddress gateway, CancellationToken cancellationToken)
        => Record(IpCommands.ReplaceDefaultRoute(link, gateway));

    public Task ReplaceRouteAsync(string link, RoutePlan route, CancellationToken cancellationToken) => Record(IpCommands.ReplaceRoute(link, route));

    private void Update(string name, Func<NetworkLink, NetworkLink> change)
    {
        var index = _links.FindIndex(l => l.Name == name);
        _links[index] = change(_links[index]);
    }

    private Task Record(IReadOnlyList<string> argv)
    {
        // Joined with a separator no argument may contain, so one argument never reads as two.
        Commands.Add(string.Join('|', argv));
        return Task.CompletedTask;
    }
}
