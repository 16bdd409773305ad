using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>
/// The one place that decides who each clone is, for <c>clone.create</c> and <c>vm.boot</c> alike
/// (so for <c>jumpstart clone</c> and <c>jumpstart deploy</c>): its VM name (= hostname), its
/// instance-id, a new MAC that is neither the template's nor a sibling's, the next address of the
/// subnet, and with a CMS a fresh bearer token and its place on the deployment's waiting list.
/// </summary>
public static class ClonePlanner
{
    /// <summary>Random bytes after a standalone clone's name in its instance-id, so re-using a name still gives a new identity.</summary>
    public const int InstanceSuffixBytes = 4;

    /// <summary>Bytes of randomness in each CMS instance token (hex-encoded on the disc).</summary>
    public const int TokenBytes = 24;

    /// <summary>The interface a clone configures when the template's spec has no NIC MAC to match.</summary>
    public const string DefaultInterfaceName = "eth0";

    /// <summary>Checks what <see cref="Plan"/> needs of <paramref name="request"/> alone, so a bad request fails before a bundle is verified.</summary>
    /// <exception cref="ClonePlanException">Count, prefix, address, gateway or DNS is malformed.</exception>
    /// <param name="request">The plan.</param>
    /// <param name="maxCount">The most clones it may ask for: one host's request (<see cref="CloneRequest.MaxClones"/>), or a cluster deployment's.</param>
    public static void Validate(ClonePlanRequest request, int maxCount = CloneRequest.MaxClones)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count < 1 || request.Count > maxCount)
        {
            throw new ClonePlanException($"count must be 1-{maxCount}, not {request.Count}");
        }

        if (!VmNames.IsValid(NameOf(request.Prefix, request.Count)))
        {
            throw new ClonePlanException($"prefix '{request.Prefix}' does not make valid VM names ('{NameOf(request.Prefix, request.Count)}' must be 1-{VmNames.MaxLength} of a-z, 0-9 and '-')");
        }

        if (request.FirstAddress is null)
        {
            if (request.Gateway is not null || request.Dns.Count > 0)
            {
                throw new ClonePlanException("a gateway or DNS servers need a first address");
            }

            return;
        }

        Addresses(request);
        if (request.Gateway is { } gateway && !IPAddress.TryParse(gateway, out _))
        {
            throw new ClonePlanException($"gateway '{gateway}' is not an IP address");
        }

        if (request.Dns.Count > ClonePlanRequest.MaxDnsServers)
        {
            throw new ClonePlanException($"at most {ClonePlanRequest.MaxDnsServers} DNS servers, not {request.Dns.Count}");
        }

        foreach (var server in request.Dns.Where(d => !IPAddress.TryParse(d, out _)))
        {
            throw new ClonePlanException($"DNS server '{server}' is not an IP address");
        }
    }

    /// <summary>Plans the clones of <paramref name="request"/>.</summary>
    /// <param name="request">Count, prefix, first address, gateway and DNS.</param>
    /// <param name="templateMac">The NIC's MAC in the bundle's (or boot) spec, which guestd matches and replaces; null matches <see cref="DefaultInterfaceName"/>.</param>
    /// <param name="cms">The CMS as the guests reach it, or null for standalone clones (then no tokens and no waiting list).</param>
    /// <exception cref="ClonePlanException">The request is malformed (see <see cref="Validate"/>).</exception>
    /// <param name="maxCount">The most clones the plan may hold (see <see cref="Validate"/>).</param>
    /// <param name="tokenOf">
    /// Each clone's CMS token by name when the caller derives them (a cluster deployment: the same on every manager, so a
    /// new leader can start an instance again); null: fresh random tokens.
    /// </param>
    /// <param name="cmsAlternates">Other CMS sharing the first one's state (<see cref="CmsEndpoint.Alternates"/>, at most <see cref="CmsEndpoint.MaxAlternates"/>); null or empty: none.</param>
    public static IReadOnlyList<PlannedClone> Plan(
        ClonePlanRequest request, string? templateMac, DnsEndPoint? cms, int maxCount = CloneRequest.MaxClones, Func<string, string>? tokenOf = null, IReadOnlyList<string>? cmsAlternates = null)
    {
        if (cmsAlternates is { Count: > CmsEndpoint.MaxAlternates })
        {
            throw new ClonePlanException($"at most {CmsEndpoint.MaxAlternates} alternate CMS endpoints, not {cmsAlternates.Count}");
        }

        var alternates = cmsAlternates is { Count: > 0 } ? cmsAlternates : null;
        Validate(request, maxCount);
        var match = templateMac?.ToLowerInvariant();
        var addresses = request.FirstAddress is null ? null : Addresses(request);
        var macs = new HashSet<string>(StringComparer.Ordinal);
        if (match is not null)
        {
            macs.Add(match);
        }

        var clones = new List<PlannedClone>(request.Count);
        for (var i = 0; i < request.Count; i++)
        {
            var name = NameOf(request.Prefix, i + 1);
            var token = cms is null ? null : tokenOf?.Invoke(name) ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenBytes));
            IReadOnlyList<InterfaceConfig> interfaces = addresses is null
                ? []
                :
                [
                    new InterfaceConfig
                    {
                        MatchMac = match,
                        MatchName = match is null ? DefaultInterfaceName : null,
                        Mac = CloneAddressing.NewMac(macs),
                        Addresses = [addresses[i]],
                        Gateway = request.Gateway,
                        DnsServers = request.Dns,
                    },
                ];
            var metadata = new CloneMetadata
            {
                // With a CMS the waiting list knows the clone by its name; alone, a suffix makes every resume a new instance.
                InstanceId = cms is null ? $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(InstanceSuffixBytes))}" : name,
                DeploymentId = cms is null ? null : request.Prefix,
                Hostname = name,
                Interfaces = interfaces,
                Cms = cms is null ? null : new CmsEndpoint { Host = cms.Host, Port = cms.Port, Token = token!, Alternates = alternates },
            };
            clones.Add(new PlannedClone(name, metadata, token is null ? null : new ExpectedInstance { InstanceId = name, Token = token, Rank = i }));
        }

        return clones;
    }

    /// <summary>Name of clone <paramref name="number"/> (from 1).</summary>
    public static string NameOf(string prefix, int number) => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{number}");

    private static IReadOnlyList<string> Addresses(ClonePlanRequest request)
    {
        try
        {
            return CloneAddressing.Consecutive(request.FirstAddress!, request.Count);
        }
        catch (FormatException ex)
        {
            throw new ClonePlanException($"first address: {ex.Message}", ex);
        }
    }
}
