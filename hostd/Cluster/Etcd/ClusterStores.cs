using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Opens the manager's store that <see cref="ClusterOptions.Store"/> names.</summary>
public static class ClusterStores
{
    /// <summary>SQLite in the cluster directory, or etcd over TLS (default TLS files: the cluster directory's).</summary>
    /// <exception cref="ClusterStoreException">The database cannot be opened, or the TLS files cannot be read.</exception>
    /// <exception cref="ClusterRequestException"><see cref="ClusterOptions.Store"/> is neither sqlite nor etcd://.</exception>
    public static IClusterStore Open(ClusterOptions options, ClusterFiles files)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        if (string.IsNullOrEmpty(options.Store) || string.Equals(options.Store, EtcdEndpoints.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return SqliteClusterStore.Open(files.Database);
        }

        return new EtcdClusterStore(new EtcdConnection(options.Store, Tls(options, files)), options.StorePrefix, ownsConnection: true);
    }

    /// <summary>The TLS files for etcd after applying the defaults.</summary>
    public static EtcdTls Tls(ClusterOptions options, ClusterFiles files)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        return new EtcdTls(options.EtcdCaFile ?? files.CaCertificate, options.EtcdCertificateFile ?? files.HostCertificate, options.EtcdKeyFile ?? files.HostKey);
    }
}
