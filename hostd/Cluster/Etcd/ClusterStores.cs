using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Opens the manager's store that <see cref="ClusterOptions.Store"/> names.</summary>
public static class ClusterStores
{
    /// <summary>SQLite in the cluster directory, or etcd over TLS (default TLS files: the cluster directory's).</summary>
    /// <exception cref="ClusterStoreException">The database cannot be opened, or the TLS files cannot be read.</exception>
    /// <exception cref="ClusterRequestException"><see cref="ClusterOptions.Store"/> is neither sqlite nor etcd://.</exception>
    public static IClusterStore Open(string store, ClusterOptions options, ClusterFiles files)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        if (IsSqlite(store))
        {
            return SqliteClusterStore.Open(files.Database);
        }

        return new EtcdClusterStore(new EtcdConnection(store, Tls(options, files)), options.StorePrefix, ownsConnection: true);
    }

    /// <summary>Whether <paramref name="store"/> names the SQLite store (null or empty included).</summary>
    public static bool IsSqlite([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] string? store) => string.IsNullOrEmpty(store) || string.Equals(store, EtcdEndpoints.Sqlite, StringComparison.OrdinalIgnoreCase);

    /// <summary>The TLS files for etcd after applying the defaults.</summary>
    public static EtcdTls Tls(ClusterOptions options, ClusterFiles files)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        return new EtcdTls(options.EtcdCaFile ?? files.CaCertificate, options.EtcdCertificateFile ?? files.HostCertificate, options.EtcdKeyFile ?? files.HostKey);
    }
}
