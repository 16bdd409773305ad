using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;
using StreamJsonRpc;

namespace Jumpstart.Hostd.Cluster.Agent;

/// <summary>
/// The joiner's side of <c>jumpstart cluster join</c>, with CA pinning as kubeadm does it: over a TLS connection that
/// does not trust the manager yet, fetch the CA certificate; check its hash against the pin the operator gave; check
/// that the manager's TLS certificate was issued by that CA; only then send the token with a certificate signing
/// request (the key stays here). A wrong pin or a certificate of another CA sends nothing.
/// </summary>
internal static class ClusterJoiner
{
    /// <summary>Longest CA certificate (PEM) accepted from the manager.</summary>
    private const int MaxCaPemChars = 16 * 1024;

    /// <summary>What the manager granted, checked: the certificate (PEM), the CA (PEM), the revocation list, the manager's name.</summary>
    public sealed record Grant(string CertificatePem, string CaPem, RevocationList Revocations, string ManagerName);

    /// <summary>Runs the join; <paramref name="key"/> is the new host key whose public part the certificate will carry.</summary>
    /// <exception cref="ClusterRefusedException">The pin does not match, the manager's certificate is not the pinned CA's, or the manager refused the token.</exception>
    /// <exception cref="ClusterUnreachableException">The manager cannot be reached or does not answer in time.</exception>
    public static async Task<Grant> JoinAsync(EndPoint manager, byte[] pin, string token, string name, ECDsa key, int port, string? advertise, TimeSpan timeout, CancellationToken cancellationToken)
    {
        X509Certificate2? presented = null;
        var stream = await ClusterTransport.OpenAsync(manager, ClusterTls.JoinerOptions(c => presented = c), timeout, cancellationToken);
        await using var peer = JsonRpcPeer.Create(stream, ClusterRpc.JoinOptions);
        peer.StartListening();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            var answer = await peer.InvokeAsync<JoinCaResult>(ClusterMethods.JoinCa, cancellationToken: bound.Token);
            using var ca = ReadCa(answer.CaCertificate);
            if (!CaPin.Matches(ca, pin))
            {
                throw new ClusterRefusedException($"the manager at {manager} has CA {CaPin.Of(ca)}, not the pinned {CaPin.Prefix}{Convert.ToHexStringLower(pin)}; nothing was sent");
            }

            using (presented)
            {
                if (presented is null || !HostIdentity.IsSignedBy(presented, ca, ClusterCertificates.ServerAuth))
                {
                    throw new ClusterRefusedException($"the TLS certificate of {manager} is not issued by the pinned CA; nothing was sent");
                }

                var grant = await peer.InvokeAsync<JoinGrant>(
                    ClusterMethods.JoinRequest,
                    new JoinSigningRequest { Token = token, Name = name, Csr = ClusterCertificates.CreateSigningRequest(key, name), Port = port, AdvertiseAddress = advertise },
                    bound.Token);
                if (!HostNames.Same(ClusterCertificates.NameOf(presented) ?? "", grant.ManagerName ?? ""))
                {
                    throw new ClusterRefusedException($"the manager calls itself {grant.ManagerName} but its certificate names {ClusterCertificates.NameOf(presented)}");
                }

                return Check(grant, ca, key, name);
            }
        }
        catch (RemoteInvocationException ex)
        {
            throw ClusterErrors.FromRemote(ex, $"the manager at {manager}");
        }
        catch (Exception ex) when (ex is ConnectionLostException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnreachableException($"the manager at {manager} did not answer the join: {ex.Message}", ex);
        }
    }

    private static X509Certificate2 ReadCa(string? pem)
    {
        try
        {
            if (pem is null || pem.Length > MaxCaPemChars)
            {
                throw new CryptographicException("missing or too large");
            }

            var ca = X509Certificate2.CreateFromPem(pem);
            if (ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
            {
                ca.Dispose();
                throw new CryptographicException("not a CA certificate");
            }

            return ca;
        }
        catch (CryptographicException ex)
        {
            throw new ClusterRefusedException($"the manager sent an unusable CA certificate: {ex.Message}", ex);
        }
    }

    /// <summary>The granted certificate must be the CA's, name this host, and carry this host's key.</summary>
    private static Grant Check(JoinGrant grant, X509Certificate2 ca, ECDsa key, string name)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(grant.Certificate);
            using var certificateKey = certificate.GetECDsaPublicKey();
            if (!HostIdentity.IsSignedBy(certificate, ca, ClusterCertificates.ClientAuth)
                || !HostNames.Same(ClusterCertificates.NameOf(certificate) ?? "", name)
                || certificateKey is null
                || !certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new ClusterRefusedException("the manager granted a certificate that is not for this host's key and name, or not from its CA");
            }

            return new Grant(grant.Certificate, ca.ExportCertificatePem(), RevocationList.FromPem(grant.Crl, ca), HostNames.Require(grant.ManagerName, "manager name"));
        }
        catch (CryptographicException ex)
        {
            throw new ClusterRefusedException($"the manager granted an unusable certificate: {ex.Message}", ex);
        }
    }
}
