using System.Net;
using Jumpstart.Hostd.Store.Catalog;

namespace Jumpstart.Hostd.Store.Fog;

/// <summary>The block clients one store operation uses, by server name; remembers which servers are down.</summary>
internal sealed class ServerSession : IAsyncDisposable
{
    private readonly Dictionary<string, BlockClient> _clients = new(StringComparer.Ordinal);

    public ServerSession(IEnumerable<StoreServer> servers)
    {
        foreach (var server in servers)
        {
            _clients[server.Name] = new BlockClient(server.Name, ParseEndPoint(server.Endpoint), server.Token);
        }
    }

    /// <summary>The client of a registered server.</summary>
    /// <exception cref="BlockServerUnavailableException">The server is no longer registered.</exception>
    public BlockClient Client(string name)
        => _clients.TryGetValue(name, out var client) ? client : throw new BlockServerUnavailableException($"block server {name} is not registered any more");

    public bool IsRegistered(string name) => _clients.ContainsKey(name);

    public bool IsDown(string name) => !_clients.TryGetValue(name, out var client) || client.DownReason is not null;

    /// <summary>The servers found down so far, with the reason.</summary>
    public IReadOnlyDictionary<string, string> Down()
        => _clients.Values.Where(c => c.DownReason is not null).ToDictionary(c => c.Name, c => c.DownReason!, StringComparer.Ordinal);

    /// <summary>Parses host:port (IPv4, [IPv6] or a name resolved now).</summary>
    /// <exception cref="FormatException">Not host:port.</exception>
    public static EndPoint ParseEndPoint(string endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        if (IPEndPoint.TryParse(endpoint, out var ip) && ip.Port != 0)
        {
            return ip;
        }

        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
        {
            throw new FormatException($"'{endpoint}' is not HOST:PORT");
        }

        return new DnsEndPoint(endpoint[..colon], port);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            await client.DisposeAsync();
        }
    }
}
