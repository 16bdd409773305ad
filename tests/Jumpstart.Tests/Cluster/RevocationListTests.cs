using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// The cluster's CA, its certificates and revocation lists, against openssl both ways: openssl verifies what the CA
/// signs; our CRL reader reads a CRL made by <c>openssl ca -gencrl</c>; a damaged, truncated or foreign list is refused.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class RevocationListTests : IDisposable
{
    private readonly TempDirectory _directory = new("cluster-crl");
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("host-a", DateTimeOffset.UtcNow);

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }

    [ToolFact("openssl")]
    public async Task OurCrl_IsVerifiedByOpenssl_AndRevokesWhatItLists()
    {
        using var key = ClusterCertificates.NewKey();
        using var revoked = _ca.Issue(key, "host-c", DateTimeOffset.UtcNow);
        using var kept = _ca.Issue(key, "host-b", DateTimeOffset.UtcNow);
        var der = _ca.BuildCrl([(ClusterCertificates.SerialOf(revoked), DateTimeOffset.UtcNow)], 7, DateTimeOffset.UtcNow);
        var list = RevocationList.FromDer(der, _ca.Certificate);
        var ca = Write("ca.crt", _ca.Certificate.ExportCertificatePem());
        var crl = Write("crl.pem", list.Pem);

        Assert.Equal(7, list.Number);
        Assert.True(list.IsRevoked(revoked));
        Assert.False(list.IsRevoked(kept));
        var text = await Requirements.RunToolAsync("openssl", ["crl", "-in", crl, "-CAfile", ca, "-noout", "-text"]);
        Assert.Contains("verify OK", text.StandardError + text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(ClusterCertificates.SerialOf(revoked), text.StandardOutput.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant(), StringComparison.Ordinal);
        var verdict = await Openssl.RunAsync("verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, Write("revoked.crt", revoked.ExportCertificatePem()));
        Assert.Contains("certificate revoked", verdict.StandardOutput + verdict.StandardError, StringComparison.Ordinal);
        var fine = await Openssl.RunAsync("verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, Write("kept.crt", kept.ExportCertificatePem()));
        Assert.True(fine.Succeeded, fine.StandardOutput + fine.StandardError);
    }

    [ToolFact("openssl")]
    public async Task ACrlMadeByOpensslCa_IsReadByOurReader()
    {
        // openssl's own CA: key, self-signed certificate, a database with one revoked serial, then -gencrl.
        var key = _directory.Combine("ca.key");
        var cert = _directory.Combine("ca.crt");
        var config = Write("ca.cnf", $"""
            [ ca ]
            default_ca = test
            [ test ]
            database = {_directory.Combine("index.txt")}
            crlnumber = {_directory.Combine("crlnumber")}
            default_md = sha256
            default_crl_days = 1
            """);
        Write("index.txt", $"R\t301231235959Z\t{DateTime.UtcNow.AddMinutes(-1):yyMMddHHmmss}Z\t0A1B2C3D\tunknown\t/CN=host-c\n");
        Write("crlnumber", "2A\n");
        await Requirements.RunToolAsync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=openssl test CA", "-days", "2", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        var crl = _directory.Combine("crl.pem");
        await Requirements.RunToolAsync("openssl", ["ca", "-config", config, "-gencrl", "-keyfile", key, "-cert", cert, "-out", crl]);
        using var opensslCa = X509CertificateLoader.LoadCertificateFromFile(cert);

        var list = RevocationList.FromPem(await File.ReadAllTextAsync(crl), opensslCa);

        Assert.Equal(0x2A, list.Number);
        Assert.True(list.IsRevoked("0A1B2C3D"));
        Assert.Single(list.Serials);
        Assert.Throws<ClusterRefusedException>(() => RevocationList.FromPem(File.ReadAllText(crl), _ca.Certificate));
    }

    [Fact]
    public void DamagedOrTruncatedLists_AreRefusedAtEveryByte()
    {
        var der = _ca.BuildCrl([("0102", DateTimeOffset.UtcNow), ("0304", DateTimeOffset.UtcNow)], 3, DateTimeOffset.UtcNow);
        Assert.Equal(3, RevocationList.FromDer(der, _ca.Certificate).Number);

        for (var length = 0; length < der.Length; length++)
        {
            Assert.Throws<ClusterRefusedException>(() => RevocationList.FromDer(der[..length], _ca.Certificate));
        }

        for (var i = 0; i < der.Length; i++)
        {
            var flipped = (byte[])der.Clone();
            flipped[i] ^= 0x01;
            try
            {
                var list = RevocationList.FromDer(flipped, _ca.Certificate);

                // A flip that still parses and verifies can only be in the signature's DER padding; it changes nothing.
                Assert.Equal(3, list.Number);
                Assert.Equal(2, list.Serials.Count);
            }
            catch (ClusterRefusedException)
            {
                // Refused, as it should be.
            }
        }

        Assert.Throws<ClusterRefusedException>(() => RevocationList.FromDer(new byte[RevocationList.MaxBytes + 1], _ca.Certificate));
    }

    [Fact]
    public void SignedHostCertificates_CarryOnlyTheManagersChoices()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=evil, O=root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("host-a");
        request.CertificateExtensions.Add(san.Build());

        using var signed = _ca.Sign(request.CreateSigningRequest(), "host-b", DateTimeOffset.UtcNow);

        Assert.Equal("host-b", ClusterCertificates.NameOf(signed));
        Assert.False(signed.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.True(HostIdentity.IsSignedBy(signed, _ca.Certificate, ClusterCertificates.ClientAuth));
        Assert.Throws<ClusterRequestException>(() => _ca.Sign([0x30, 0x03, 0x02, 0x01, 0x00], "host-b", DateTimeOffset.UtcNow));
        using var rsa = RSA.Create(2048);
        Assert.Throws<ClusterRequestException>(() => _ca.Sign(new CertificateRequest("CN=x", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest(), "host-b", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void CaPin_ParsesOnlySha256Hex_AndMatchesOnlyItsCa()
    {
        var pin = CaPin.Parse(_ca.Pin);
        Assert.True(CaPin.Matches(_ca.Certificate, pin));
        using var other = CertificateAuthority.Create("host-z", DateTimeOffset.UtcNow);
        Assert.False(CaPin.Matches(other.Certificate, pin));
        foreach (var bad in new[] { "", "sha256:", "sha1:" + new string('a', 40), "sha256:" + new string('g', 64), "sha256:" + new string('a', 63), _ca.Pin[7..] })
        {
            Assert.Throws<ClusterRequestException>(() => CaPin.Parse(bad));
        }
    }

    private string Write(string name, string content)
    {
        var path = _directory.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }
}
