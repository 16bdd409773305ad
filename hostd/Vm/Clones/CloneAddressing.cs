using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Jumpstart.Hostd.Vm.Clones;

/// <summary>
/// New identities for a batch of clones: MACs under QEMU's OUI that collide neither with each
/// other nor with the template's, and consecutive IPv4 addresses in one subnet.
/// </summary>
public static class CloneAddressing
{
    /// <summary>QEMU's OUI: the new MACs stay recognisably virtual, unicast and locally unique.</summary>
    public const string MacPrefix = "52:54:00";

    /// <summary>A random MAC not yet in <paramref name="taken"/>, which it is added to (lower-case colon form).</summary>
    public static string NewMac(ISet<string> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
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

    /// <summary>
    /// <paramref name="count"/> addresses in CIDR form starting at <paramref name="firstAddress"/>
    /// (e.g. <c>10.99.0.10/24</c> gives <c>10.99.0.10/24</c>, <c>10.99.0.11/24</c>, ...).
    /// </summary>
    /// <exception cref="FormatException">Not an IPv4 address with a prefix of 1-30, or the subnet ends (broadcast) before the last one.</exception>
    public static IReadOnlyList<string> Consecutive(string firstAddress, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var parts = firstAddress.Split('/');
        if (parts.Length != 2
            || !IPAddress.TryParse(parts[0], out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix is < 1 or > 30)
        {
            throw new FormatException($"'{firstAddress}' is not an IPv4 address with a prefix length of 1-30 (e.g. 10.99.0.10/24)");
        }

        var hostBits = 32 - prefix;
        var first = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        var broadcast = first | ((1u << hostBits) - 1);
        var last = (ulong)first + (ulong)Math.Max(count - 1, 0);
        if (last >= broadcast)
        {
            throw new FormatException($"{firstAddress}: the subnet has no room for {count} clones from this address");
        }

        var addresses = new string[count];
        var bytes = new byte[4];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, first + (uint)i);
            addresses[i] = string.Create(CultureInfo.InvariantCulture, $"{new IPAddress(bytes)}/{prefix}");
        }

        return addresses;
    }
}
