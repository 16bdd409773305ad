using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Shared.Sockets;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Transport;

/// <summary>
/// The one place that decides whom a cluster connection trusts, on both sides: TLS 1.3 only; the peer's certificate
/// must chain to the cluster's CA alone (no system store), carry the right key purpose, name one valid host, and not be
/// on the revocation list. Checked inside the handshake (RemoteCertificateValidationCallback), so a refused peer never
/// gets a byte of application data. The only anonymous peer allowed is a joiner on <see cref="ClusterProtocols.Join"/>.
/// </summary>
internal sealed class ClusterTls(HostIdentity identity, Func<RevocationList> revocations, ILogger logger)
{
    private readonly LogThrottle _refusals = new(ClusterLimits.LogInterval);

    /// <summary>The options of one accepted connection from <paramref name="remote"/>.</summary>
    public SslServerAuthenticationOptions ServerOptions(List<SslApplicationProtocol> protocols, EndPoint? remote) => new()
    {
        ServerCertificateContext = identity.Context,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13,
        ApplicationProtocols = protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
        RemoteCertificateValidationCallback = (sender, certificate, _, _) =>
        {
            if (certificate is null)
            {
                // RFC 8446 §4.3.2: the server asked; a joiner has nothing to send yet and may go on, nobody else.
                var anonymousAllowed = ((SslStream)sender).NegotiatedApplicationProtocol == ClusterProtocols.Of(ClusterProtocols.Join);
                if (!anonymousAllowed)
                {
                    Refused(remote, "no client certificate");
                }

                return anonymousAllowed;
            }

            return Accept(certificate, ClusterCertificates.ClientAuth, expectedName: null, remote);
        },
    };

    /// <summary>The options of a connection to the host named <paramref name="expectedName"/>.</summary>
    public SslClientAuthenticationOptions ClientOptions(string expectedName, string protocol, EndPoint remote) => new()
    {
        TargetHost = expectedName,
        ClientCertificateContext = identity.Context,
        EnabledSslProtocols = SslProtocols.Tls13,
        ApplicationProtocols = [ClusterProtocols.Of(protocol)],
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Accept(certificate, ClusterCertificates.ServerAuth, expectedName, remote),
    };

    /// <summary>
    /// The options of a joiner, which has no certificate and does not know the CA yet: it accepts any server
    /// certificate here and hands it to <paramref name="presented"/>, to be checked against the pinned CA before
    /// anything secret is sent (<see cref="Agent.ClusterJoiner"/>).
    /// </summary>
    public static SslClientAuthenticationOptions JoinerOptions(Action<X509Certificate2> presented) => new()
    {
        TargetHost = "jumpstart-manager",
        EnabledSslProtocols = SslProtocols.Tls13,
        ApplicationProtocols = [ClusterProtocols.Of(ClusterProtocols.Join)],
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }

            presented(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            return true;
        },
    };

    /// <summary>Why the cluster refuses <paramref name="certificate"/>, or null when it accepts it.</summary>
    public string? Problem(X509Certificate certificate, Oid purpose, string? expectedName)
    {
        using var peer = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!HostIdentity.IsSignedBy(peer, identity.Ca, purpose))
        {
            return $"certificate '{peer.Subject}' is not issued by this cluster's CA for {purpose.FriendlyName ?? purpose.Value}";
        }

        if (ClusterCertificates.NameOf(peer) is not { } name)
        {
            return $"certificate '{peer.Subject}' names no single valid host";
        }

        if (revocations().IsRevoked(peer))
        {
            return $"certificate of {name} (serial {ClusterCertificates.SerialOf(peer)}) is revoked";
        }

        if (expectedName is not null && !HostNames.Same(name, expectedName))
        {
            return $"certificate names {name}, not {expectedName}";
        }

        return null;
    }

    /// <summary>The peer's name and serial from a certificate the handshake accepted.</summary>
    public static (string Name, string Serial)? Peer(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        using var peer = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return ClusterCertificates.NameOf(peer) is { } name ? (name, ClusterCertificates.SerialOf(peer)) : null;
    }

    private bool Accept(X509Certificate certificate, Oid purpose, string? expectedName, EndPoint? remote)
    {
        try
        {
            if (Problem(certificate, purpose, expectedName) is not { } problem)
            {
                return true;
            }

            Refused(remote, problem);
            return false;
        }
        catch (CryptographicException ex)
        {
            Refused(remote, ex.Message);
            return false;
        }
    }

    private void Refused(EndPoint? remote, string reason)
    {
        if (_refusals.TryEnter(out var heldBack))
        {
            ClusterLog.PeerRefused(logger, remote?.ToString() ?? "?", reason, heldBack);
        }
    }
}
