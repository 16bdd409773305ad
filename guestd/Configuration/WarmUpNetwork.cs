using System.Net;
using Jumpstart.Guestd.Network;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// A warm-up's network: lists the real links, looks each one up (netlink) and builds every argv a
/// clone would run, but changes nothing.
/// </summary>
internal sealed class WarmUpNetwork(INetworkConfigurator real) : IpCommandConfigurator
{
    public override Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken) => real.ListLinksAsync(cancellationToken);

    public override Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>With netlink, also asks the kernel for the link (changing nothing), so a clone's request and reply code is compiled.</summary>
    public override Task SetLinkUpAsync(string link, CancellationToken cancellationToken)
    {
        if (real is NetlinkConfigurator netlink)
        {
            netlink.IndexOf(link);
        }

        return base.SetLinkUpAsync(link, cancellationToken);
    }

    public override Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken)
        => ChangeAsync(IpCommands.GratuitousArp(link, address), cancellationToken);

    /// <summary>The argv was built (that code is now compiled); nothing runs.</summary>
    protected override Task ChangeAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken) => Task.CompletedTask;
}
