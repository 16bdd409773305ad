using System.Net;
using Jumpstart.Guestd.Network;

namespace Jumpstart.Guestd.Configuration;

/// <summary>
/// A warm-up's network when the real one is not rtnetlink (tests' recording configurators, iproute2): lists the real
/// links and builds every argv a clone would run, but changes nothing. With rtnetlink, <see cref="For"/> gives the
/// configurator's own read-only mode, which also asks the kernel everything a clone asks.
/// </summary>
internal sealed class WarmUpNetwork(INetworkConfigurator real) : IpCommandConfigurator
{
    /// <summary>The configurator a warm-up uses in place of <paramref name="real"/>.</summary>
    public static INetworkConfigurator For(INetworkConfigurator real)
        => real is NetlinkConfigurator netlink ? netlink.ReadOnly() : new WarmUpNetwork(real);

    public override Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken) => real.ListLinksAsync(cancellationToken);

    public override Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken)
        => ChangeAsync(IpCommands.GratuitousArp(link, address), cancellationToken);

    /// <summary>The argv was built (that code is now compiled); nothing runs.</summary>
    protected override Task ChangeAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken) => Task.CompletedTask;
}
