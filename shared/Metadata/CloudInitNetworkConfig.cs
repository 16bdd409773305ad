using System.Text.Json.Nodes;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// cloud-init network configuration, version 1 (list of physical / nameserver / route items) and
/// version 2 (netplan-style <c>ethernets</c>), mapped onto <see cref="InterfaceConfig"/>.
/// Bonds, bridges and VLANs are refused rather than silently dropped.
/// </summary>
internal static class CloudInitNetworkConfig
{
    private const string What = "network-config";

    public static List<InterfaceConfig> Parse(JsonNode? document)
    {
        if (document is null)
        {
            return [];
        }

        // Both "version: 1 ..." and the wrapped "network: {version: 1, ...}" forms exist in the wild.
        var root = JsonFields.Object(document, "network", What) ?? document as JsonObject
            ?? throw new MetadataException($"{What} is not a mapping");
        return JsonFields.Int(root, "version", What) switch
        {
            1 => ParseVersion1(root),
            2 => ParseVersion2(root),
            var v => throw new MetadataException($"{What} version {v?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"} is not supported (1 or 2)"),
        };
    }

    private static List<InterfaceConfig> ParseVersion1(JsonObject root)
    {
        var interfaces = new List<InterfaceConfig>();
        var globalDns = new List<string>();
        var globalSearch = new List<string>();
        var globalRoutes = new List<RouteConfig>();
        foreach (var item in JsonFields.Array(root, "config", What))
        {
            var type = JsonFields.String(item, "type", What);
            switch (type)
            {
                case "physical":
                    interfaces.Add(ParsePhysical(item!));
                    break;
                case "nameserver":
                    globalDns.AddRange(JsonFields.Strings(item, "address", What));
                    globalSearch.AddRange(JsonFields.Strings(item, "search", What));
                    break;
                case "route":
                    globalRoutes.Add(Route(item, JsonFields.String(item, "destination", What) ?? JsonFields.String(item, "network", What), "gateway"));
                    break;
                default:
                    throw new MetadataException($"{What} v1 item type '{type}' is not supported (physical, nameserver, route)");
            }
        }

        // Global nameservers and routes belong to the first interface, where guestd applies them once.
        if (interfaces.Count > 0 && (globalDns.Count + globalSearch.Count + globalRoutes.Count) > 0)
        {
            var first = interfaces[0];
            interfaces[0] = first with
            {
                DnsServers = [.. first.DnsServers, .. globalDns],
                DnsSearch = [.. first.DnsSearch, .. globalSearch],
                Routes = [.. first.Routes, .. globalRoutes],
            };
        }

        return interfaces;
    }

    private static InterfaceConfig ParsePhysical(JsonNode item)
    {
        var name = JsonFields.String(item, "name", What);
        var mac = JsonFields.String(item, "mac_address", What)?.ToLowerInvariant();
        var addresses = new List<string>();
        var routes = new List<RouteConfig>();
        var dns = new List<string>();
        var search = new List<string>();
        string? gateway = null;
        var dhcp = false;
        foreach (var subnet in JsonFields.Array(item, "subnets", What))
        {
            switch (JsonFields.String(subnet, "type", What))
            {
                case "dhcp" or "dhcp4" or "dhcp6" or "ipv6_dhcpv6-stateful" or "ipv6_dhcpv6-stateless" or "ipv6_slaac":
                    dhcp = true;
                    break;
                case "static" or "static6":
                    addresses.Add(Cidr(JsonFields.String(subnet, "address", What), JsonFields.String(subnet, "netmask", What) ?? JsonFields.String(subnet, "prefix", What)));
                    gateway ??= JsonFields.String(subnet, "gateway", What);
                    dns.AddRange(JsonFields.Strings(subnet, "dns_nameservers", What));
                    search.AddRange(JsonFields.Strings(subnet, "dns_search", What));
                    routes.AddRange(JsonFields.Array(subnet, "routes", What).Select(r => Route(r, JsonFields.String(r, "network", What) ?? JsonFields.String(r, "destination", What), "gateway")));
                    break;
                case "manual":
                    break;
                case var other:
                    throw new MetadataException($"{What} v1 subnet type '{other}' is not supported");
            }
        }

        return new InterfaceConfig
        {
            MatchMac = mac,
            MatchName = mac is null ? name : null,
            Name = mac is null ? null : name,
            Addresses = addresses,
            Dhcp = dhcp,
            Gateway = gateway,
            Routes = routes,
            DnsServers = dns,
            DnsSearch = search,
            Mtu = JsonFields.Int(item, "mtu", What),
        };
    }

    private static List<InterfaceConfig> ParseVersion2(JsonObject root)
    {
        foreach (var unsupported in new[] { "bonds", "bridges", "vlans", "wifis", "tunnels" })
        {
            if (JsonFields.Object(root, unsupported, What) is { Count: > 0 })
            {
                throw new MetadataException($"{What} v2 '{unsupported}' are not supported (ethernets only)");
            }
        }

        var interfaces = new List<InterfaceConfig>();
        foreach (var (id, nic) in JsonFields.Object(root, "ethernets", What) ?? [])
        {
            var match = JsonFields.Object(nic, "match", What);
            var matchMac = JsonFields.String(match, "macaddress", What)?.ToLowerInvariant();
            var matchName = JsonFields.String(match, "name", What) ?? (matchMac is null ? id : null);
            var nameservers = JsonFields.Object(nic, "nameservers", What);
            var routes = JsonFields.Array(nic, "routes", What).Select(r => Route(r, JsonFields.String(r, "to", What), "via")).ToList();
            var gateway4 = JsonFields.String(nic, "gateway4", What);
            var gateway6 = JsonFields.String(nic, "gateway6", What);
            if (gateway4 is not null && gateway6 is not null)
            {
                routes.Add(new RouteConfig { Destination = "::/0", Gateway = gateway6 });
            }

            interfaces.Add(new InterfaceConfig
            {
                MatchMac = matchMac,
                MatchName = matchName,
                Name = JsonFields.String(nic, "set-name", What),
                Mac = JsonFields.String(nic, "macaddress", What)?.ToLowerInvariant(),
                Addresses = JsonFields.Strings(nic, "addresses", What),
                Dhcp = JsonFields.Bool(nic, "dhcp4", What) || JsonFields.Bool(nic, "dhcp6", What),
                Gateway = gateway4 ?? gateway6,
                Routes = routes,
                DnsServers = JsonFields.Strings(nameservers, "addresses", What),
                DnsSearch = JsonFields.Strings(nameservers, "search", What),
                Mtu = JsonFields.Int(nic, "mtu", What),
            });
        }

        return interfaces;
    }

    private static RouteConfig Route(JsonNode? route, string? destination, string gatewayKey)
    {
        var netmask = JsonFields.String(route, "netmask", What) ?? JsonFields.String(route, "prefix", What);
        var cidr = destination is "default" or null ? destination : Cidr(destination, netmask);
        return new RouteConfig
        {
            Destination = cidr ?? throw new MetadataException($"{What}: a route has no destination"),
            Gateway = JsonFields.String(route, gatewayKey, What),
            Metric = JsonFields.Int(route, "metric", What),
        };
    }

    private static string Cidr(string? address, string? netmask)
        => NetworkValues.ToCidr(address, netmask)
            ?? throw new MetadataException($"{What}: '{address}' with netmask '{netmask}' is not an address with a valid prefix");
}
