using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Jumpstart.Hostd.Cluster.Identity;

/// <summary>
/// The CA's pin, <c>sha256:HEX</c>: the SHA-256 of the CA certificate's DER SubjectPublicKeyInfo, the form
/// <c>kubeadm join --discovery-token-ca-cert-hash</c> takes
/// (https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/#token-based-discovery-with-ca-pinning).
/// <c>openssl x509 -pubkey -noout -in ca.crt | openssl pkey -pubin -outform der | sha256sum</c> computes the same.
/// </summary>
public static class CaPin
{
    public const string Prefix = "sha256:";

    /// <summary>The pin of <paramref name="ca"/>.</summary>
    public static string Of(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        return Prefix + Convert.ToHexStringLower(SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The digest a pin names.</summary>
    /// <exception cref="ClusterRequestException">It is not <c>sha256:</c> and 64 hex digits.</exception>
    public static byte[] Parse(string? pin)
    {
        var hex = pin is not null && pin.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? pin[Prefix.Length..] : null;
        if (hex is not { Length: SHA256.HashSizeInBytes * 2 } || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ClusterRequestException($"CA hash '{pin}' is not sha256: followed by 64 hex digits (as 'jumpstart cluster init' prints it)");
        }

        return Convert.FromHexString(hex);
    }

    /// <summary>Whether <paramref name="ca"/> has the pinned digest.</summary>
    public static bool Matches(X509Certificate2 ca, ReadOnlySpan<byte> digest)
    {
        ArgumentNullException.ThrowIfNull(ca);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo()), digest);
    }
}
