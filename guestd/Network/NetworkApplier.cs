using Microsoft.Extensions.Logging;

namespace Jumpstart.Guestd.Network;

/// <summary>
/// Finds each planned interface among the kernel's links and brings it to the plan: MAC, name, MTU,
/// addresses, up, default gateway, routes.
/// </summary>
/// <remarks>
/// A link is found by, in order: the template's MAC; the link this plan's key was applied to last
/// time (a clone reconfigured for a new instance no longer carries the template's MAC); the plan's
/// own MAC (a re-run); the kernel name.
/// </remarks>
public sealed partial class NetworkApplier(INetworkConfigurator configurator, ILogger<NetworkApplier> logger)
{
    /// <summary>Applies every plan; returns, per <see cref="InterfacePlan.MatchKey"/>, the link name it ended up on.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ApplyAsync(
        IReadOnlyList<InterfacePlan> plans,
        IReadOnlyDictionary<string, string> previousLinks,
        CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        if (plans.Count == 0)
        {
            return applied;
        }

        var links = (await configurator.ListLinksAsync(cancellationToken)).Where(l => !l.IsLoopback).ToList();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            var link = Match(plan, links, previousLinks)
                ?? throw new NetworkConfigurationException(
                    $"no interface matches {Describe(plan)}; links here: {string.Join(", ", links.Select(l => $"{l.Name} ({l.Mac})"))}");
            if (!taken.Add(link.Name))
            {
                throw new NetworkConfigurationException($"two interface entries match the same link {link.Name}");
            }

            LogMatched(logger, Describe(plan), link.Name);
            applied[plan.MatchKey] = await ApplyOneAsync(plan, link, cancellationToken);
        }

        return applied;
    }

    private static NetworkLink? Match(InterfacePlan plan, List<NetworkLink> links, IReadOnlyDictionary<string, string> previousLinks)
    {
        NetworkLink? ByMac(string? mac) => mac is null ? null : links.FirstOrDefault(l => string.Equals(l.Mac, mac, StringComparison.OrdinalIgnoreCase));
        NetworkLink? ByName(string? name) => name is null ? null : links.FirstOrDefault(l => l.Name == name);

        return ByMac(plan.MatchMac)
            ?? ByName(previousLinks.GetValueOrDefault(plan.MatchKey))
            ?? ByMac(plan.Mac)
            ?? ByName(plan.MatchName);
    }

    private async Task<string> ApplyOneAsync(InterfacePlan plan, NetworkLink link, CancellationToken cancellationToken)
    {
        var name = link.Name;
        var changeMac = plan.Mac is not null && !string.Equals(plan.Mac, link.Mac, StringComparison.OrdinalIgnoreCase);
        var rename = plan.NewName is not null && plan.NewName != name;

        // Many drivers refuse a new MAC or name while the link is up.
        if (changeMac || rename)
        {
            await configurator.SetLinkDownAsync(name, cancellationToken);
        }

        if (changeMac)
        {
            await configurator.SetMacAsync(name, plan.Mac!, cancellationToken);
        }

        if (rename)
        {
            await configurator.RenameAsync(name, plan.NewName!, cancellationToken);
            name = plan.NewName!;
        }

        if (plan.Mtu is { } mtu)
        {
            await configurator.SetMtuAsync(name, mtu, cancellationToken);
        }

        // The template's addresses, routes and neighbour entries must not survive on a clone.
        await configurator.FlushAddressesAsync(name, cancellationToken);
        await configurator.FlushRoutesAsync(name, cancellationToken);
        await configurator.FlushNeighboursAsync(name, cancellationToken);
        foreach (var address in plan.Addresses)
        {
            await configurator.AddAddressAsync(name, address, cancellationToken);
        }

        await configurator.SetLinkUpAsync(name, cancellationToken);
        if (plan.Gateway is { } gateway)
        {
            await configurator.ReplaceDefaultRouteAsync(name, gateway, cancellationToken);
        }

        foreach (var route in plan.Routes)
        {
            await configurator.ReplaceRouteAsync(name, route, cancellationToken);
        }

        await configurator.CommitAsync(cancellationToken);
        if (plan.Dhcp)
        {
            LogDhcpLeftToSystem(logger, name);
        }

        // Not awaited: arping waits about a second for replies that an unsolicited ARP never gets,
        // and the clone's configuration must not wait with it. Bounded by the configurator's timeout.
        foreach (var address in plan.Addresses.Where(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
        {
            _ = AnnounceAsync(name, address.Address, cancellationToken);
        }

        return name;
    }

    /// <summary>Best effort, never throws: peers also learn the new MAC from the clone's first packets, so a missing arping only warns.</summary>
    private async Task AnnounceAsync(string link, System.Net.IPAddress address, CancellationToken cancellationToken)
    {
        try
        {
            await configurator.AnnounceAsync(link, address, cancellationToken);
            LogAnnounced(logger, address.ToString(), link);
        }
        catch (Exception ex) when (ex is NetworkConfigurationException or OperationCanceledException or IOException)
        {
            LogAnnounceFailed(logger, address.ToString(), link, ex.Message);
        }
    }

    private static string Describe(InterfacePlan plan)
        => plan.MatchMac is not null ? $"mac {plan.MatchMac}" : $"name {plan.MatchName}";

    [LoggerMessage(EventId = LogEventIds.GuestdNetwork.Matched, Level = LogLevel.Information, Message = "Interface {Match} is link {Link}")]
    private static partial void LogMatched(ILogger logger, string match, string link);

    [LoggerMessage(EventId = LogEventIds.GuestdNetwork.Announced, Level = LogLevel.Information, Message = "Gratuitous ARP sent for {Address} on {Link}")]
    private static partial void LogAnnounced(ILogger logger, string address, string link);

    [LoggerMessage(EventId = LogEventIds.GuestdNetwork.AnnounceFailed, Level = LogLevel.Warning, Message = "No gratuitous ARP for {Address} on {Link}: {Reason}")]
    private static partial void LogAnnounceFailed(ILogger logger, string address, string link, string reason);

    [LoggerMessage(EventId = LogEventIds.GuestdNetwork.DhcpLeftToSystem, Level = LogLevel.Warning, Message = "Link {Link} asks for DHCP; guestd brings it up and leaves DHCP to the system's client")]
    private static partial void LogDhcpLeftToSystem(ILogger logger, string link);
}
