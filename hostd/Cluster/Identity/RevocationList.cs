using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// The revocation list a host enforces: an X.509 CRL signed by the cluster's CA, read and checked here (its signature
/// against the CA's key, its issuer), with the serial numbers it revokes. Every host holds the latest in
/// <c>crl.pem</c>; a list replaces the current one only when its number is higher.
/// </summary>
/// <remarks>
/// RFC 5280 §5.1: CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING };
/// TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name, thisUpdate Time,
/// nextUpdate Time OPTIONAL, revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time,
/// crlEntryExtensions Extensions OPTIONAL } OPTIONAL, crlExtensions [0] EXPLICIT Extensions OPTIONAL }.
/// The CRL number is the cRLNumber extension (2.5.29.20, §5.2.3). .NET's CertificateRevocationListBuilder writes CRLs
/// but neither verifies one nor lists its entries, hence this reader.
/// </remarks>
public sealed class RevocationList
{
    /// <summary>Largest CRL accepted (DER bytes).</summary>
    public const int MaxBytes = 512 * 1024;

    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    private const string CrlNumberOid = "2.5.29.20";
    private const string PemLabel = "X509 CRL";

    private readonly HashSet<string> _serials;

    private RevocationList(long number, HashSet<string> serials, byte[] der)
    {
        Number = number;
        _serials = serials;
        Der = der;
    }

    /// <summary>The list's number (cRLNumber); a higher number is a newer list.</summary>
    public long Number { get; }

    /// <summary>Revoked serial numbers, upper-case hex.</summary>
    public IReadOnlyCollection<string> Serials => _serials;

    public byte[] Der { get; }

    public string Pem => new(PemEncoding.Write(PemLabel, Der));

    public bool IsRevoked(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return _serials.Contains(ClusterCertificates.SerialOf(certificate));
    }

    public bool IsRevoked(string serial) => _serials.Contains(serial.ToUpperInvariant());

    /// <summary>Reads a PEM CRL and checks it was signed by <paramref name="ca"/>.</summary>
    /// <exception cref="ClusterRefusedException">It is malformed, too large, or not signed by the cluster's CA.</exception>
    public static RevocationList FromPem(string pem, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (pem.Length > MaxBytes * 2)
        {
            throw new ClusterRefusedException($"the revocation list is larger than {MaxBytes} bytes");
        }

        byte[] der;
        try
        {
            var fields = PemEncoding.Find(pem);
            if (!pem.AsSpan()[fields.Label].SequenceEqual(PemLabel))
            {
                throw new ClusterRefusedException($"the revocation list is not a PEM '{PemLabel}'");
            }

            der = Convert.FromBase64String(pem[fields.Base64Data]);
        }
        catch (ArgumentException ex)
        {
            throw new ClusterRefusedException("the revocation list is not PEM", ex);
        }

        return FromDer(der, ca);
    }

    /// <summary>Reads a DER CRL and checks it was signed by <paramref name="ca"/>.</summary>
    /// <exception cref="ClusterRefusedException">It is malformed, too large, or not signed by the cluster's CA.</exception>
    public static RevocationList FromDer(byte[] der, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(der);
        ArgumentNullException.ThrowIfNull(ca);
        if (der.Length > MaxBytes)
        {
            throw new ClusterRefusedException($"the revocation list is larger than {MaxBytes} bytes");
        }

        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER);
            var certificateList = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var tbs = certificateList.ReadEncodedValue();
            var algorithm = certificateList.ReadSequence();
            var algorithmOid = algorithm.ReadObjectIdentifier();
            var signature = certificateList.ReadBitString(out var unusedBits);
            certificateList.ThrowIfNotEmpty();
            if (algorithmOid != EcdsaWithSha256 || unusedBits != 0)
            {
                throw new ClusterRefusedException($"the revocation list is signed with {algorithmOid}, not ECDSA with SHA-256");
            }

            using (var key = ca.GetECDsaPublicKey())
            {
                if (key is null || !key.VerifyData(tbs.Span, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
                {
                    throw new ClusterRefusedException("the revocation list is not signed by this cluster's CA");
                }
            }

            return ReadTbs(tbs, ca, der);
        }
        catch (AsnContentException ex)
        {
            throw new ClusterRefusedException($"the revocation list is malformed: {ex.Message}", ex);
        }
        catch (CryptographicException ex)
        {
            throw new ClusterRefusedException($"the revocation list is malformed: {ex.Message}", ex);
        }
    }

    private static RevocationList ReadTbs(ReadOnlyMemory<byte> tbsBytes, X509Certificate2 ca, byte[] der)
    {
        var tbs = new AsnReader(tbsBytes, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            _ = tbs.ReadInteger();
        }

        _ = tbs.ReadSequence();
        var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        if (!issuer.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData))
        {
            throw new ClusterRefusedException($"the revocation list's issuer '{issuer.Name}' is not this cluster's CA");
        }

        _ = tbs.ReadEncodedValue(); // thisUpdate
        if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
        {
            _ = tbs.ReadEncodedValue(); // nextUpdate
        }

        var serials = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                serials.Add(Convert.ToHexString(entry.ReadIntegerBytes().Span));
            }
        }

        long? number = null;
        if (tbs.HasData)
        {
            var extensions = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                {
                    _ = extension.ReadBoolean();
                }

                var value = extension.ReadOctetString();
                if (oid == CrlNumberOid)
                {
                    var integer = new AsnReader(value, AsnEncodingRules.DER).ReadInteger();
                    number = integer >= 0 && integer <= long.MaxValue ? (long)integer : throw new ClusterRefusedException("the revocation list's number is out of range");
                }
            }
        }

        tbs.ThrowIfNotEmpty();
        return new RevocationList(number ?? throw new ClusterRefusedException("the revocation list has no CRL number"), serials, der);
    }

    /// <summary>The list of a host that has not received one yet: number 0, nothing revoked.</summary>
    public static RevocationList Empty { get; } = new(0, new HashSet<string>(StringComparer.Ordinal), []);
}
