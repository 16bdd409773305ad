using System.Security.Cryptography;
using Jumpstart.Hostd.Vm;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Bundles;

/// <summary>
/// The metadata disc hostd gives a template before suspending it: guestd applies it like a clone's,
/// so the code a clone runs (disc reading, identity, <c>ip</c> calls) is compiled and in the RAM
/// every clone inherits. Its address is from TEST-NET-1 (RFC 5737) and the template's NIC has no
/// path off the host, so nothing it does is seen outside; each clone's own disc replaces it all.
/// </summary>
public static class WarmupDisc
{
    /// <summary>A documentation address: never routed, never a clone's.</summary>
    public const string Address = "192.0.2.254/32";

    /// <summary>The guestd log line (event 1004) that says an instance was applied.</summary>
    public static string AppliedMarker(string instanceId) => $"Instance {instanceId} applied";

    /// <summary>Writes the disc to <paramref name="path"/>; returns it with the console marker to wait for.</summary>
    public static (string Disc, string DoneMarker) Write(string path, VmSpec spec, string? doneMarker)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var instanceId = $"warmup-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var metadata = new CloneMetadata
        {
            InstanceId = instanceId,
            Hostname = "warmup",
            Interfaces = spec.Nic is { } nic
                ? [new InterfaceConfig { MatchMac = nic.Mac.ToLowerInvariant(), Mac = nic.Mac.ToLowerInvariant(), Addresses = [Address] }]
                : [],
            RandomSeed = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        MetadataDisc.WriteFile(metadata, path);
        return (path, doneMarker ?? AppliedMarker(instanceId));
    }
}
