namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>
/// The value of <c>Cluster:Store</c>: <c>sqlite</c> (the default, one manager) or <c>etcd://HOST:PORT,HOST:PORT,...</c>
/// (the members of an etcd v3 cluster, reached over TLS with this host's cluster certificate).
/// </summary>
public static class EtcdEndpoints
{
    /// <summary>The default store.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The scheme of an etcd store.</summary>
    public const string Scheme = "etcd://";

    /// <summary>Most endpoints one store names (an etcd cluster has 3, 5 or 7 members).</summary>
    public const int MaxEndpoints = 9;

    /// <summary>True when <paramref name="store"/> names an etcd cluster.</summary>
    public static bool IsEtcd(string? store) => store is not null && store.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>HOST:PORT</c> endpoints of an <c>etcd://</c> store.</summary>
    /// <exception cref="ClusterRequestException">Not <c>etcd://HOST:PORT[,HOST:PORT...]</c>.</exception>
    public static IReadOnlyList<string> Parse(string store)
    {
        if (!IsEtcd(store))
        {
            throw new ClusterRequestException($"the cluster store '{store}' is neither '{Sqlite}' nor {Scheme}HOST:PORT[,HOST:PORT...]");
        }

        var parts = store[Scheme.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Length > MaxEndpoints)
        {
            throw new ClusterRequestException($"the cluster store '{store}' names {parts.Length} etcd endpoints; 1 to {MaxEndpoints} are allowed");
        }

        foreach (var part in parts)
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !ushort.TryParse(part.AsSpan(colon + 1), out var port) || port == 0 || Uri.CheckHostName(part[..colon].Trim('[', ']')) == UriHostNameType.Unknown)
            {
                throw new ClusterRequestException($"the etcd endpoint '{part}' in '{store}' is not HOST:PORT");
            }
        }

        return parts;
    }
}
