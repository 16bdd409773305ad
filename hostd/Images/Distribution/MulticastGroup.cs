namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>Where a uftp session meets its receivers: the public (announce) multicast address, UDP port and interface.</summary>
/// <param name="Address">Public multicast address both sides use (<c>uftp -M</c>, <c>uftpd -M</c>).</param>
/// <param name="Port">UDP port (<c>-p</c>).</param>
/// <param name="Interface">Interface name or address to send or listen on (<c>-I</c>); null uses the default.</param>
public sealed record MulticastGroup(string Address = MulticastGroup.DefaultAddress, int Port = MulticastGroup.DefaultPort, string? Interface = null)
{
    /// <summary>uftp's own default public address.</summary>
    public const string DefaultAddress = "230.4.4.1";

    /// <summary>uftp's own default port.</summary>
    public const int DefaultPort = 1044;

    internal void Validate()
    {
        if (!System.Net.IPAddress.TryParse(Address, out var ip) || !(ip.IsIPv6Multicast || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && (ip.GetAddressBytes()[0] & 0xF0) == 0xE0)))
        {
            throw new ArgumentException($"'{Address}' is not a multicast address (224.0.0.0/4 or ff00::/8)", nameof(Address));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "port must be 1..65535");
        }
    }
}
