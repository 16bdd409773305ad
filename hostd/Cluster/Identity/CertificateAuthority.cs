using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// The cluster's certificate authority, on the manager only: an ECDSA P-256 key and a self-signed certificate that
/// signs every host's certificate and the revocation list. Its key is 0600 in the cluster directory.
/// </summary>
/// <remarks>Profile: RFC 5280 §4.2 (basic constraints, key usage, key identifiers); CRLs: RFC 5280 §5.</remarks>
public sealed class CertificateAuthority : IDisposable
{
    private readonly ECDsa _key;

    private CertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The pin joiners check (<see cref="CaPin"/>).</summary>
    public string Pin => CaPin.Of(Certificate);

    /// <summary>A new CA named after the cluster's first host.</summary>
    public static CertificateAuthority Create(string managerName, DateTimeOffset now)
    {
        var key = ClusterCertificates.NewKey();
        try
        {
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName($"Jumpstart cluster CA ({managerName}, {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))})");
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
            using var selfSigned = request.CreateSelfSigned(now - ClusterLimits.ClockSkew, now + ClusterLimits.CaLifetime);
            return new CertificateAuthority(X509CertificateLoader.LoadCertificate(selfSigned.RawData), key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Loads the CA from its certificate and key files.</summary>
    /// <exception cref="ClusterStoreException">A file is missing or damaged, or the key is not the certificate's.</exception>
    public static CertificateAuthority Load(string certificatePath, string keyPath)
    {
        ECDsa? key = null;
        try
        {
            var certificate = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
            key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(keyPath));
            using var publicKey = certificate.GetECDsaPublicKey();
            if (publicKey is null || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new CryptographicException($"{keyPath} is not the key of {certificatePath}");
            }

            return new CertificateAuthority(certificate, key);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException)
        {
            key?.Dispose();
            throw new ClusterStoreException($"cannot load the cluster CA: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the key (0600) and the certificate (0644).</summary>
    public void Save(ClusterFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        ClusterFiles.WritePrivate(files.CaKey, _key.ExportPkcs8PrivateKeyPem());
        ClusterFiles.WritePublic(files.CaCertificate, Certificate.ExportCertificatePem());
    }

    /// <summary>
    /// Checks a PKCS#10 request (its signature, an ECDSA P-256 key) and signs a certificate for <paramref name="name"/>
    /// with the request's key. Only the key is taken from the request: the name and extensions are the manager's.
    /// </summary>
    /// <exception cref="ClusterRequestException">The request is malformed, its signature is wrong, or its key is not P-256.</exception>
    public X509Certificate2 Sign(byte[] pkcs10, string name, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pkcs10);
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequest(pkcs10, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException ex)
        {
            throw new ClusterRequestException($"the certificate signing request is not a valid signed PKCS#10 request: {ex.Message}", ex);
        }

        using (var key = request.PublicKey.GetECDsaPublicKey())
        {
            if (key is null || key.KeySize != 256)
            {
                throw new ClusterRequestException("the certificate signing request's key is not ECDSA P-256");
            }
        }

        return Issue(request.PublicKey, name, now);
    }

    /// <summary>A certificate for <paramref name="name"/> with <paramref name="key"/> (the manager's own at init).</summary>
    public X509Certificate2 Issue(ECDsa key, string name, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Issue(new CertificateRequest(ClusterCertificates.SubjectOf(name), key, HashAlgorithmName.SHA256).PublicKey, name, now);
    }

    private X509Certificate2 Issue(PublicKey publicKey, string name, DateTimeOffset now)
    {
        var request = new CertificateRequest(ClusterCertificates.SubjectOf(name), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClusterCertificates.ServerAuth, ClusterCertificates.ClientAuth], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build(critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var notAfter = now + ClusterLimits.HostCertificateLifetime;
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now - ClusterLimits.ClockSkew, notAfter, ClusterCertificates.NewSerial());
    }

    /// <summary>A signed X.509 CRL (DER) numbered <paramref name="number"/> that lists <paramref name="revoked"/>.</summary>
    public byte[] BuildCrl(IEnumerable<(string Serial, DateTimeOffset RevokedAt)> revoked, long number, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        var builder = new CertificateRevocationListBuilder();
        foreach (var (serial, revokedAt) in revoked)
        {
            builder.AddEntry(Convert.FromHexString(serial), revokedAt, X509RevocationReason.CessationOfOperation);
        }

        // Hosts do not fetch by nextUpdate (the manager pushes every change), so it is the CA's own end.
        return builder.Build(
            Certificate.SubjectName,
            X509SignatureGenerator.CreateForECDsa(_key),
            new BigInteger(number),
            Certificate.NotAfter,
            HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false),
            now);
    }

    /// <summary>
    /// A 32-byte secret for <paramref name="purpose"/> that every holder of the CA key derives alike (HKDF-SHA256, RFC 5869,
    /// over the key's private scalar) and nobody else can: what the managers of one cluster share without storing it.
    /// </summary>
    public byte[] DeriveSecret(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        var scalar = _key.ExportParameters(includePrivateParameters: true).D!;
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, scalar, 32, salt: null, info: System.Text.Encoding.UTF8.GetBytes(purpose));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
