using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Deploy;

/// <summary>
/// Who each clone of a deploy will be: its VM name (= instance id = hostname), its metadata disc
/// (the template's MAC to match, a new MAC, the next address of the subnet, the CMS endpoint and a
/// fresh token) and its entry on the CMS waiting list.
/// </summary>
public sealed class ClonePlan
{
    /// <summary>QEMU's OUI: the new MACs stay recognisably virtual, unicast and unique per deploy.</summary>
    public const string MacPrefix = "52:54:00";

    private ClonePlan(IReadOnlyList<PlannedClone> clones)
    {
        Clones = clones;
    }

    public IReadOnlyList<PlannedClone> Clones { get; }

    /// <summary>The CMS waiting list (ranks follow the clone order, so clone 1 is master under lowest-rank).</summary>
    public IReadOnlyList<ExpectedInstance> Instances => [.. Clones.Select(c => c.Instance)];

    /// <summary>Plans <paramref name="count"/> clones.</summary>
    /// <param name="deploymentId">The CMS deployment; clone i is named <c>{deploymentId}-{i}</c>.</param>
    /// <param name="count">How many clones.</param>
    /// <param name="templateMac">The NIC's MAC in the bundle's spec, which guestd matches and replaces.</param>
    /// <param name="firstAddress">The first clone's address in CIDR form; the others take the next ones.</param>
    /// <param name="gateway">Default gateway for every clone, or null.</param>
    /// <param name="cms">The CMS as the guests reach it.</param>
    /// <exception cref="FormatException">An address, MAC or endpoint is malformed, or the subnet has too few addresses.</exception>
    public static ClonePlan Create(string deploymentId, int count, string templateMac, string firstAddress, string? gateway, DnsEndPoint cms)
    {
        ArgumentNullException.ThrowIfNull(cms);
        if (!NetworkValues.IsMac(templateMac))
        {
            throw new FormatException($"'{templateMac}' is not a MAC address");
        }

        var (address, prefix) = ParseIpv4Cidr(firstAddress);
        var hostBits = 32 - prefix;
        var first = ToUInt32(address);
        var network = hostBits == 32 ? 0 : first & (uint.MaxValue << hostBits);
        var broadcast = network | (hostBits == 32 ? uint.MaxValue : (1u << hostBits) - 1);
        if (first + (uint)count - 1 >= broadcast || first + (uint)count - 1 < first)
        {
            throw new FormatException($"{firstAddress}: the subnet has no room for {count} clones from this address");
        }

        var macs = new HashSet<string>(StringComparer.Ordinal) { templateMac.ToLowerInvariant() };
        var clones = new List<PlannedClone>(count);
        for (var i = 0; i < count; i++)
        {
            var name = ClusterDeploymentSpec.InstanceId(deploymentId, i);
            var token = ClusterDeploymentSpec.NewToken();
            var mac = NewMac(macs);
            var metadata = new CloneMetadata
            {
                InstanceId = name,
                DeploymentId = deploymentId,
                Hostname = name,
                Interfaces =
                [
                    new InterfaceConfig
                    {
                        MatchMac = templateMac.ToLowerInvariant(),
                        Mac = mac,
                        Addresses = [$"{FromUInt32(first + (uint)i)}/{prefix.ToString(CultureInfo.InvariantCulture)}"],
                        Gateway = gateway,
                    },
                ],
                Cms = new CmsEndpoint { Host = cms.Host, Port = cms.Port, Token = token },
            };
            clones.Add(new PlannedClone(name, metadata, new ExpectedInstance { InstanceId = name, Token = token, Rank = i }));
        }

        return new ClonePlan(clones);
    }

    private static string NewMac(HashSet<string> taken)
    {
        while (true)
        {
            var bytes = RandomNumberGenerator.GetBytes(3);
            var mac = $"{MacPrefix}:{bytes[0]:x2}:{bytes[1]:x2}:{bytes[2]:x2}";
            if (taken.Add(mac))
            {
                return mac;
            }
        }
    }

    private static (IPAddress Address, int Prefix) ParseIpv4Cidr(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !IPAddress.TryParse(parts[0], out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix is < 1 or > 30)
        {
            throw new FormatException($"'{text}' is not an IPv4 address with a prefix length of 1-30 (e.g. 10.99.0.10/24)");
        }

        return (address, prefix);
    }

    private static uint ToUInt32(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    private static string FromUInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes).ToString();
    }
}
