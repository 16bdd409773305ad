using System.Net;
using System.Net.Sockets;

namespace Jumpstart.Hostd.Vm.Bundles.Shipping.Multicast;

/// <summary>
/// The MulticastOffer frame's JSON, sent only over the authenticated stream: the transfer offer (no route), the
/// per-transfer AES-256-GCM key of the chunks, and the uftp session the receiver's uftpd joins.
/// </summary>
public sealed record MulticastOffer
{
    /// <summary>Lowest UDP port an offer may name (no privileged ports).</summary>
    public const int MinPort = 1024;

    public required TransferOffer Transfer { get; init; }

    /// <summary>AES-256-GCM key of this transfer's chunks (base64 in JSON), exactly <see cref="ChunkCipher.KeyBytes"/> bytes.</summary>
    public required byte[] Key { get; init; }

    /// <summary>Multicast group of the uftp session (<c>uftpd -M</c>).</summary>
    public required string Group { get; init; }

    /// <summary>UDP port of the uftp session (<c>uftpd -p</c>).</summary>
    public required int Port { get; init; }

    /// <summary>The receiver's uftp client id (<c>uftpd -U</c>), which the source names in its closed group (<c>uftp -H</c>).</summary>
    public required uint ClientId { get; init; }

    /// <summary>Checks what a peer's multicast offer claims beyond the transfer manifest.</summary>
    /// <exception cref="ShippingException">A key of the wrong length, a group that is not multicast, a port or id out of range, a route.</exception>
    public void Validate()
    {
        if (Key is not { Length: ChunkCipher.KeyBytes })
        {
            throw Refuse($"a chunk key of {Key?.Length ?? 0} bytes (exactly {ChunkCipher.KeyBytes})");
        }

        CheckSession(Group, Port, Refuse);
        if (ClientId is 0 or uint.MaxValue)
        {
            throw Refuse($"uftp client id {ClientId} (1..{uint.MaxValue - 1})");
        }

        if (Transfer.Route.Count > 0)
        {
            throw Refuse("a route: a multicast offer goes to each host on its own stream");
        }
    }

    internal static void CheckSession(string? group, int port, Func<string, Exception> refuse)
    {
        if (!IPAddress.TryParse(group, out var ip) || !(ip.IsIPv6Multicast || (ip.AddressFamily == AddressFamily.InterNetwork && (ip.GetAddressBytes()[0] & 0xF0) == 0xE0)))
        {
            throw refuse($"group '{group}' is not a multicast address (224.0.0.0/4 or ff00::/8)");
        }

        if (port is < MinPort or > IPEndPoint.MaxPort)
        {
            throw refuse($"port {port} outside {MinPort}..{IPEndPoint.MaxPort}");
        }
    }

    private static ShippingException Refuse(string what) => new(ShippingProblem.Protocol, $"multicast offer refused: {what}");
}
