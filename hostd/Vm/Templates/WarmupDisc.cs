using System.Security.Cryptography;
using Jumpstart.Hostd.Vm.Supervisor;
using Jumpstart.Shared.Metadata;

namespace Jumpstart.Hostd.Vm.Templates;

/// <summary>
/// The metadata disc hostd gives a template before suspending it. It carries
/// <see cref="CloneMetadata.Warmup"/>, so guestd runs the code paths a clone runs (disc reading,
/// validation, planning, a process start) without changing the identity, bringing the link up or
/// calling the CMS: the code is compiled and in the RAM every clone inherits, and the template's
/// NIC stays down, so no clone ever sends a frame with the template's MAC. The address is from
/// TEST-NET-1 (RFC 5737) and is only planned, never applied.
/// </summary>
public static class WarmupDisc
{
    /// <summary>A documentation address: never routed, never a clone's.</summary>
    public const string Address = "192.0.2.254/32";

    /// <summary>The console marker guestd writes when it has run a warm-up disc.</summary>
    public static string WarmedUpMarker(string instanceId) => $"JUMPSTART-GUESTD: warmed-up instance={instanceId} ";

    /// <summary>Writes the disc to <paramref name="path"/>; returns it with the console marker to wait for.</summary>
    /// <param name="path">Where the disc image goes.</param>
    /// <param name="spec">The template's spec (its NIC's MAC is planned, never applied).</param>
    /// <param name="doneMarker">The marker to wait for, or null for guestd's <see cref="WarmedUpMarker"/>.</param>
    /// <param name="zeroFreeMemory">Ask guestd to zero the guest's free memory once warmed up (<see cref="CloneMetadata.ZeroFreeMemory"/>).</param>
    public static (string Disc, string DoneMarker) Write(string path, VmSpec spec, string? doneMarker, bool zeroFreeMemory = false)
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
            Warmup = true,
            ZeroFreeMemory = zeroFreeMemory,
        };
        MetadataDisc.WriteFile(metadata, path);
        return (path, doneMarker ?? WarmedUpMarker(instanceId));
    }
}
