using System.Globalization;
using System.Net;
using System.Text;

namespace Jumpstart.Shared.Nbd.Client;

/// <summary>
/// An NBD server address in the URI form qemu and libnbd use: <c>nbd://host[:port]/export</c> (TCP, port 10809
/// by default) or <c>nbd+unix:///export?socket=PATH</c> (a unix socket). The export name is percent-decoded.
/// </summary>
/// <remarks>NetworkBlockDevice/nbd <c>doc/uri.md</c> ("NBD URI standard"); TLS schemes (<c>nbds</c>) are refused.</remarks>
public sealed record NbdUri
{
    /// <summary>The IANA port of NBD (proto.md "Newstyle negotiation").</summary>
    public const int DefaultPort = 10809;

    private const string TcpScheme = "nbd://";
    private const string UnixScheme = "nbd+unix://";
    private const string SocketQuery = "socket=";
    private const int MaxExportNameBytes = 4096;

    /// <summary>Host name or address for TCP; null for a unix socket.</summary>
    public string? Host { get; init; }

    /// <summary>TCP port (meaningless for a unix socket).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Unix socket path; null for TCP.</summary>
    public string? SocketPath { get; init; }

    /// <summary>The export name ("" selects the server's default export).</summary>
    public string ExportName { get; init; } = string.Empty;

    /// <summary>Whether this addresses a unix socket.</summary>
    public bool IsUnix => SocketPath is not null;

    /// <summary>A TCP address.</summary>
    public static NbdUri ForTcp(string host, int port, string exportName) => new() { Host = host, Port = port, ExportName = exportName };

    /// <summary>A unix-socket address.</summary>
    public static NbdUri ForUnix(string socketPath, string exportName) => new() { SocketPath = socketPath, ExportName = exportName };

    /// <summary>Parses an NBD URI.</summary>
    /// <exception cref="FormatException">The text is not an <c>nbd://</c> or <c>nbd+unix://</c> URI this client can use; the message says why.</exception>
    public static NbdUri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith(UnixScheme, StringComparison.OrdinalIgnoreCase))
        {
            return ParseUnix(text, text[UnixScheme.Length..]);
        }

        if (text.StartsWith(TcpScheme, StringComparison.OrdinalIgnoreCase))
        {
            return ParseTcp(text, text[TcpScheme.Length..]);
        }

        throw new FormatException($"'{text}' is not an NBD URI: expected nbd://host[:port]/export or nbd+unix:///export?socket=PATH (TLS schemes are not supported)");
    }

    /// <summary>Parses an NBD URI; false (and a reason) instead of an exception.</summary>
    public static bool TryParse(string text, out NbdUri? uri, out string? error)
    {
        try
        {
            uri = Parse(text);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            uri = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The URI text; <see cref="Parse"/> of it gives back an equal value.</summary>
    public override string ToString()
    {
        var export = Uri.EscapeDataString(ExportName);
        if (IsUnix)
        {
            return $"{UnixScheme}/{export}?{SocketQuery}{Uri.EscapeDataString(SocketPath!)}";
        }

        var host = Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        var port = Port == DefaultPort ? string.Empty : string.Create(CultureInfo.InvariantCulture, $":{Port}");
        return $"{TcpScheme}{host}{port}/{export}";
    }

    private static NbdUri ParseUnix(string text, string rest)
    {
        // nbd+unix:///export?socket=PATH: the authority must be empty.
        if (!rest.StartsWith('/'))
        {
            throw new FormatException($"'{text}': a unix NBD URI has no host: write nbd+unix:///export?socket=PATH");
        }

        var query = rest.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            throw new FormatException($"'{text}': missing ?socket=PATH");
        }

        string? socket = null;
        foreach (var pair in rest[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (pair.StartsWith(SocketQuery, StringComparison.Ordinal))
            {
                socket = Decode(text, pair[SocketQuery.Length..]);
            }
        }

        if (string.IsNullOrEmpty(socket))
        {
            throw new FormatException($"'{text}': missing ?socket=PATH");
        }

        return new NbdUri { SocketPath = socket, ExportName = ExportFromPath(text, rest[..query]) };
    }

    private static NbdUri ParseTcp(string text, string rest)
    {
        if (rest.Contains('?', StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}': query parameters are not supported in nbd:// URIs");
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? string.Empty : rest[slash..];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}': user information is not supported");
        }

        string host;
        var port = DefaultPort;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"'{text}': unterminated IPv6 address (missing ']')");
            }

            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                portText = after.StartsWith(':') ? after[1..] : throw new FormatException($"'{text}': unexpected '{after}' after the IPv6 address");
            }

            if (!IPAddress.TryParse(host, out _))
            {
                throw new FormatException($"'{text}': '{host}' is not an IPv6 address");
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? null : authority[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw new FormatException($"'{text}': missing host (for a unix socket write nbd+unix:///export?socket=PATH)");
        }

        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new FormatException($"'{text}': port '{portText}' is not a number from 1 to 65535");
        }

        return new NbdUri { Host = host, Port = port, ExportName = ExportFromPath(text, path) };
    }

    private static string ExportFromPath(string text, string path)
    {
        // The path's leading '/' separates it from the authority; what follows is the export name.
        var export = Decode(text, path.StartsWith('/') ? path[1..] : path);
        if (Encoding.UTF8.GetByteCount(export) > MaxExportNameBytes)
        {
            throw new FormatException($"'{text}': export name longer than {MaxExportNameBytes} bytes");
        }

        return export;
    }

    private static string Decode(string text, string component)
    {
        try
        {
            return Uri.UnescapeDataString(component);
        }
        catch (UriFormatException ex)
        {
            throw new FormatException($"'{text}': bad percent-encoding: {ex.Message}", ex);
        }
    }
}
