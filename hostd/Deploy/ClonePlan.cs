using System.Net;
using Jumpstart.Hostd.Clones;
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

        var addresses = CloneAddressing.Consecutive(firstAddress, count);
        var macs = new HashSet<string>(StringComparer.Ordinal) { templateMac.ToLowerInvariant() };
        var clones = new List<PlannedClone>(count);
        for (var i = 0; i < count; i++)
        {
            var name = ClusterDeploymentSpec.InstanceId(deploymentId, i);
            var token = ClusterDeploymentSpec.NewToken();
            var mac = CloneAddressing.NewMac(macs);
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
                        Addresses = [addresses[i]],
                        Gateway = gateway,
                    },
                ],
                Cms = new CmsEndpoint { Host = cms.Host, Port = cms.Port, Token = token },
            };
            clones.Add(new PlannedClone(name, metadata, new ExpectedInstance { InstanceId = name, Token = token, Rank = i }));
        }

        return new ClonePlan(clones);
    }
}
