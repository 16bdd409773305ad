using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>The certificate profile of the cluster (RFC 5280 §4.2): what every CA and host certificate carries.</summary>
internal static class ClusterCertificates
{
    /// <summary>id-kp-serverAuth and id-kp-clientAuth (RFC 5280 §4.2.1.12): every host is both.</summary>
    public static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    public static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Serial numbers are 16 random bytes, positive (RFC 5280 §4.1.2.2 allows up to 20).</summary>
    private const int SerialBytes = 16;

    /// <summary>A new ECDSA P-256 key.</summary>
    public static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A random positive serial number.</summary>
    public static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(SerialBytes);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    /// <summary>The hex form the cluster shows and compares serial numbers in.</summary>
    public static string SerialOf(X509Certificate2 certificate) => certificate.SerialNumber.ToUpperInvariant();

    /// <summary>The DNS name in the certificate's subject alternative name: the host's identity. Null when there is none or more than one.</summary>
    public static string? NameOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string? found = null;
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                foreach (var name in san.EnumerateDnsNames())
                {
                    if (found is not null)
                    {
                        return null;
                    }

                    found = name;
                }
            }
        }

        return found is not null && HostNames.IsValid(found) ? found.ToLowerInvariant() : null;
    }

    /// <summary>A PKCS#10 request for <paramref name="name"/> with <paramref name="key"/> (the joiner's side).</summary>
    public static byte[] CreateSigningRequest(ECDsa key, string name)
    {
        var request = new CertificateRequest(SubjectOf(name), key, HashAlgorithmName.SHA256);
        return request.CreateSigningRequest();
    }

    public static X500DistinguishedName SubjectOf(string name)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(name);
        return builder.Build();
    }

    /// <summary>A certificate of <paramref name="certificatePem"/> with the private key of <paramref name="keyPem"/>, usable by SslStream.</summary>
    public static X509Certificate2 WithKey(string certificatePem, string keyPem)
    {
        using var withKey = X509Certificate2.CreateFromPem(certificatePem, keyPem);

        // Linux's SslStream wants a certificate whose key it can use after the PEM objects are gone: a PKCS#12
        // round trip gives it one that owns its key.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }
}
