using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// This host in its cluster: its certificate with its private key, the CA that signed it, and the name in it. The TLS
/// layer presents it (with the CA, so a peer can see the chain) on both sides of every cluster connection.
/// </summary>
public sealed class HostIdentity : IDisposable
{
    private HostIdentity(X509Certificate2 certificate, X509Certificate2 ca, string name)
    {
        Certificate = certificate;
        Ca = ca;
        Name = name;
        Serial = ClusterCertificates.SerialOf(certificate);
        CaPinText = CaPin.Of(ca);
        Context = SslStreamCertificateContext.Create(certificate, [ca], offline: true);
    }

    /// <summary>This host's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The cluster's CA certificate (the only trust anchor of cluster connections).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The name in the certificate: this host's identity.</summary>
    public string Name { get; }

    /// <summary>The certificate's serial number (upper-case hex).</summary>
    public string Serial { get; }

    /// <summary>The CA's pin, <c>sha256:HEX</c>.</summary>
    public string CaPinText { get; }

    /// <summary>What SslStream presents: the certificate and the CA.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>An identity from PEM text (a certificate, its key, the CA), checked to belong together.</summary>
    /// <exception cref="ClusterStoreException">They do not (a key of another certificate, a certificate of another CA, no name).</exception>
    public static HostIdentity FromPem(string certificatePem, string keyPem, string caPem)
    {
        X509Certificate2? certificate = null;
        X509Certificate2? ca = null;
        try
        {
            certificate = ClusterCertificates.WithKey(certificatePem, keyPem);
            ca = X509Certificate2.CreateFromPem(caPem);
            var name = ClusterCertificates.NameOf(certificate)
                ?? throw new CryptographicException("the host certificate names no single DNS name");
            if (!IsSignedBy(certificate, ca))
            {
                throw new CryptographicException("the host certificate is not signed by the cluster's CA");
            }

            return new HostIdentity(certificate, ca, name);
        }
        catch (CryptographicException ex)
        {
            certificate?.Dispose();
            ca?.Dispose();
            throw new ClusterStoreException($"the cluster identity is unusable: {ex.Message}", ex);
        }
    }

    /// <summary>Loads this host's identity from the cluster directory.</summary>
    /// <exception cref="ClusterStoreException">A file is missing or damaged.</exception>
    public static HostIdentity Load(ClusterFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        try
        {
            return FromPem(File.ReadAllText(files.HostCertificate), File.ReadAllText(files.HostKey), File.ReadAllText(files.CaCertificate));
        }
        catch (IOException ex)
        {
            throw new ClusterStoreException($"the cluster identity is unusable: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the key (0600), the certificate and the CA (0644).</summary>
    public static void Save(ClusterFiles files, string certificatePem, string keyPem, string caPem)
    {
        ArgumentNullException.ThrowIfNull(files);
        ClusterFiles.WritePrivate(files.HostKey, keyPem);
        ClusterFiles.WritePublic(files.HostCertificate, certificatePem);
        ClusterFiles.WritePublic(files.CaCertificate, caPem);
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to <paramref name="ca"/> alone (no system store, no revocation
    /// fetch) and may be used for <paramref name="purpose"/> (serverAuth or clientAuth; null: either).
    /// </summary>
    public static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 ca, Oid? purpose = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (purpose is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(purpose);
        }

        return chain.Build(certificate) && chain.ChainElements.Count == 2
            && chain.ChainElements[1].Certificate.RawData.AsSpan().SequenceEqual(ca.RawData);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Ca.Dispose();
    }
}
