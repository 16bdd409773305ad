using System.Text.Json.Nodes;
using Jumpstart.Shared.Iso9660;

namespace Jumpstart.Shared.Metadata;

/// <summary>
/// OpenStack ConfigDrive (volume label <c>config-2</c>): <c>openstack/latest/meta_data.json</c>
/// (uuid, hostname, random_seed), <c>network_data.json</c> (links, networks, services) and
/// <c>user_data</c>.
/// </summary>
internal static class ConfigDriveDisc
{
    public const string Label = "config-2";
    private const string Latest = "openstack/latest/";
    private const string MetaData = Latest + "meta_data.json";
    private const string NetworkData = Latest + "network_data.json";

    public static CloneMetadata Read(IsoImage image)
    {
        var meta = MetadataJson.Parse(MetadataFiles.ReadOptional(image, MetaData) ?? throw new MetadataException($"ConfigDrive disc has no {MetaData}"), MetaData);
        var uuid = JsonFields.String(meta, "uuid", MetaData) ?? throw new MetadataException($"{MetaData} has no uuid");
        var network = MetadataFiles.ReadOptional(image, NetworkData) is { } bytes ? MetadataJson.Parse(bytes, NetworkData) : null;
        var (self, userData) = UserDataFile.Interpret(MetadataFiles.ReadOptional(image, Latest + "user_data"));
        return new CloneMetadata
        {
            InstanceId = uuid,
            Hostname = JsonFields.String(meta, "hostname", MetaData) ?? JsonFields.String(meta, "name", MetaData) ?? uuid,
            RandomSeed = JsonFields.String(meta, "random_seed", MetaData),
            Interfaces = ParseNetwork(network),
            SelfScript = self,
            UserData = userData,
            Source = MetadataSource.ConfigDrive,
        };
    }

    private static List<InterfaceConfig> ParseNetwork(JsonNode? network)
    {
        if (network is null)
        {
            return [];
        }

        var links = new List<(string Id, InterfaceConfig Nic)>();
        foreach (var link in JsonFields.Array(network, "links", NetworkData))
        {
            var type = JsonFields.String(link, "type", NetworkData);
            if (type is "bond" or "vlan")
            {
                throw new MetadataException($"{NetworkData}: link type '{type}' is not supported");
            }

            links.Add((
                JsonFields.String(link, "id", NetworkData) ?? throw new MetadataException($"{NetworkData}: a link has no id"),
                new InterfaceConfig
                {
                    MatchMac = JsonFields.String(link, "ethernet_mac_address", NetworkData)?.ToLowerInvariant(),
                    MatchName = JsonFields.String(link, "name", NetworkData),
                    Mtu = JsonFields.Int(link, "mtu", NetworkData),
                }));
        }

        foreach (var net in JsonFields.Array(network, "networks", NetworkData))
        {
            var linkId = JsonFields.String(net, "link", NetworkData);
            var index = links.FindIndex(l => l.Id == linkId);
            if (index < 0)
            {
                throw new MetadataException($"{NetworkData}: network on unknown link '{linkId}'");
            }

            links[index] = (linkId!, ApplyNetwork(links[index].Nic, net!));
        }

        // Global DNS services go to the first interface, where guestd applies them once.
        var dns = JsonFields.Array(network, "services", NetworkData)
            .Where(s => JsonFields.String(s, "type", NetworkData) == "dns")
            .Select(s => JsonFields.String(s, "address", NetworkData) ?? throw new MetadataException($"{NetworkData}: a dns service has no address"))
            .ToList();
        if (dns.Count > 0 && links.Count > 0)
        {
            links[0] = (links[0].Id, links[0].Nic with { DnsServers = [.. links[0].Nic.DnsServers, .. dns] });
        }

        return [.. links.Select(l => l.Nic)];
    }

    private static InterfaceConfig ApplyNetwork(InterfaceConfig nic, JsonNode net)
    {
        var type = JsonFields.String(net, "type", NetworkData);
        if (type is "ipv4_dhcp" or "ipv6_dhcp" or "ipv6_slaac" or "ipv6_dhcpv6-stateful" or "ipv6_dhcpv6-stateless")
        {
            return nic with { Dhcp = true };
        }

        if (type is not ("ipv4" or "ipv6"))
        {
            throw new MetadataException($"{NetworkData}: network type '{type}' is not supported");
        }

        var address = JsonFields.String(net, "ip_address", NetworkData);
        var cidr = NetworkValues.ToCidr(address, JsonFields.String(net, "netmask", NetworkData))
            ?? throw new MetadataException($"{NetworkData}: '{address}' with its netmask is not an address with a valid prefix");
        var gateway = nic.Gateway;
        var routes = nic.Routes.ToList();
        foreach (var route in JsonFields.Array(net, "routes", NetworkData))
        {
            var destination = NetworkValues.ToCidr(JsonFields.String(route, "network", NetworkData), JsonFields.String(route, "netmask", NetworkData))
                ?? throw new MetadataException($"{NetworkData}: a route has no valid network and netmask");
            var via = JsonFields.String(route, "gateway", NetworkData);
            if (destination is "0.0.0.0/0" or "::/0" && gateway is null)
            {
                gateway = via;
            }
            else
            {
                routes.Add(new RouteConfig { Destination = destination, Gateway = via });
            }
        }

        return nic with
        {
            Addresses = [.. nic.Addresses, cidr],
            Gateway = gateway,
            Routes = routes,
            DnsServers = [.. nic.DnsServers, .. JsonFields.Strings(net, "dns_nameservers", NetworkData)],
        };
    }
}
