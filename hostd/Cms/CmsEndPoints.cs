using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Jumpstart.Hostd.Cms;

/// <summary>Parses the CMS's listen address and the address clients connect to.</summary>
public static class CmsEndPoints
{
    private const string UnixPrefix = "unix:";

    /// <summary>
    /// Whether guests can be told to use <paramref name="endPoint"/>: a loopback or wildcard address is no use to them (each
    /// guest would call itself).
    /// </summary>
    public static bool GuestsCanReach(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return !IPAddress.IsLoopback(endPoint.Address) && !endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any);
    }

    /// <summary>A listen address: <c>IP:port</c> or <c>[IPv6]:port</c> (port 0 picks a free port).</summary>
    /// <exception cref="FormatException">The text is not such an address.</exception>
    public static IPEndPoint ParseListen(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!HasPort(text) || !IPEndPoint.TryParse(text, out var endPoint))
        {
            throw new FormatException($"'{text}' is not an address:port to listen on (e.g. 127.0.0.1:7070 or [::]:7070)");
        }

        return endPoint;
    }

    /// <summary>
    /// Where a client connects: <c>IP:port</c>, <c>host:port</c>, or a unix socket written as an
    /// absolute path or <c>unix:PATH</c>.
    /// </summary>
    /// <exception cref="FormatException">The text is none of these.</exception>
    public static EndPoint ParseClient(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            return new UnixDomainSocketEndPoint(text[UnixPrefix.Length..]);
        }

        if (text.StartsWith('/'))
        {
            return new UnixDomainSocketEndPoint(text);
        }

        if (HasPort(text) && IPEndPoint.TryParse(text, out var ip))
        {
            return ip;
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0
            && Uri.CheckHostName(text[..colon]) == UriHostNameType.Dns
            && ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return new DnsEndPoint(text[..colon], port);
        }

        throw new FormatException($"'{text}' is not host:port or a unix socket path");
    }

    /// <summary>IPEndPoint.TryParse accepts a bare address (port 0); a CMS address always names its port.</summary>
    private static bool HasPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && (text[0] != '[' || text[colon - 1] == ']') && (text[0] == '[' || text.IndexOf(':') == colon);
    }
}
