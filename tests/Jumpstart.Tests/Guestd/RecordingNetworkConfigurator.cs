using System.Net;
using Jumpstart.Guestd.Network;

namespace Jumpstart.Tests.Guestd;

/// <summary>
/// Test double for argv recording only: records the <c>ip</c> argument vectors the real
/// configurator would run (built by the same <see cref="IpCommandConfigurator"/>) and keeps the link
/// list in step with MAC and name changes so a re-run can find its link. The real iproute2 path is
/// proven by the namespace tests.
/// </summary>
internal sealed class RecordingNetworkConfigurator(params NetworkLink[] links) : IpCommandConfigurator
{
    private readonly List<NetworkLink> _links = [.. links];

    public List<string> Commands { get; } = [];

    public override Task<IReadOnlyList<NetworkLink>> ListLinksAsync(CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<NetworkLink>>([.. _links]);

    public override Task SetMacAsync(string link, string mac, CancellationToken cancellationToken)
    {
        Update(link, l => l with { Mac = mac });
        return base.SetMacAsync(link, mac, cancellationToken);
    }

    public override Task RenameAsync(string link, string newName, CancellationToken cancellationToken)
    {
        Update(link, l => l with { Name = newName });
        return base.RenameAsync(link, newName, cancellationToken);
    }

    public override Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task AnnounceAsync(string link, IPAddress address, CancellationToken cancellationToken)
        => ChangeAsync(["arping", .. IpCommands.GratuitousArp(link, address)], cancellationToken);

    protected override Task ChangeAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        // Joined with a separator no argument may contain, so one argument never reads as two.
        Commands.Add(string.Join('|', argv));
        return Task.CompletedTask;
    }

    private void Update(string name, Func<NetworkLink, NetworkLink> change)
    {
        var index = _links.FindIndex(l => l.Name == name);
        _links[index] = change(_links[index]);
    }
}
