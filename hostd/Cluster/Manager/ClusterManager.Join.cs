using System.Net;
using System.Net.Sockets;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.State;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>Admitting a host: the token, the certificate signing request, the store's one atomic step.</summary>
internal sealed partial class ClusterManager
{
    /// <summary>
    /// Admits the joiner at <paramref name="remote"/>: checks the rate limit, the request and the token, signs its
    /// certificate and adds it in one store step that also counts the token's use. A refusal changes nothing (but a bad
    /// token counts against the address's failures).
    /// </summary>
    /// <exception cref="ClusterRateLimitedException">Too many failures from this address, or from everywhere.</exception>
    /// <exception cref="ClusterRefusedException">The token is unknown, forged, expired or used up; the name is taken.</exception>
    /// <exception cref="ClusterRequestException">The name, port, address or signing request is malformed.</exception>
    public async Task<JoinGrant> JoinAsync(JoinSigningRequest request, IPAddress remote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(remote);
        if (!_joinLimiter.Allows(remote))
        {
            ClusterLog.JoinRefused(_logger, request.Name ?? "?", remote.ToString(), "rate limited");
            throw new ClusterRateLimitedException($"too many failed join attempts from {remote}; try again within {_joinLimiter.Window.TotalSeconds:0} s");
        }

        var name = HostNames.Require(request.Name);
        if (request.Port is <= 0 or > IPEndPoint.MaxPort)
        {
            throw new ClusterRequestException($"port {request.Port} is not 1-{IPEndPoint.MaxPort}");
        }

        var address = request.AdvertiseAddress is { Length: > 0 } advertised ? AddressOf(advertised) : Host(remote);
        if (request.Csr is null || request.Csr.Length > JoinSigningRequest.MaxCsrBytes)
        {
            throw new ClusterRequestException($"the certificate signing request is missing or larger than {JoinSigningRequest.MaxCsrBytes} bytes");
        }

        if (!JoinToken.TryParse(request.Token, out var tokenId))
        {
            throw Fail(remote, name, "an unknown token");
        }

        var now = _time.GetUtcNow();
        using var certificate = _ca.Sign(request.Csr, name, now);
        var host = new ClusterHostRecord
        {
            Name = name,
            Role = ClusterRoles.Member,
            State = HostStates.Down,
            Endpoint = $"{address}:{request.Port}",
            Serial = ClusterCertificates.SerialOf(certificate),
            Certificate = certificate.ExportCertificatePem(),
            JoinedAt = now,
        };
        switch (await _store.AdmitHostAsync(tokenId, JoinToken.Digest(request.Token), host, now, cancellationToken))
        {
            case AdmitVerdict.Admitted:
                if (_store is Etcd.IHostLiveness liveness)
                {
                    // Its lease from the start: a host that never says hello expires like one that stopped.
                    await liveness.KeepAliveAsync(host.Name, _options.DownAfter, cancellationToken);
                }

                break;
            case AdmitVerdict.UnknownToken:
                throw Fail(remote, name, "an unknown token");
            case AdmitVerdict.Expired:
                throw Fail(remote, name, $"token {tokenId}, which has expired");
            case AdmitVerdict.UsedUp:
                throw Fail(remote, name, $"token {tokenId}, which has been used as many times as it may");
            case AdmitVerdict.NameTaken:
                ClusterLog.JoinRefused(_logger, name, remote.ToString(), "name taken");
                throw new ClusterRefusedException($"a host named {name} is already a member; remove it first ('jumpstart cluster remove {name}' on the manager)");
            default:
                ClusterLog.JoinRefused(_logger, name, remote.ToString(), "cluster full");
                throw new ClusterRefusedException($"the cluster holds {ClusterLimits.MaxHosts} hosts already");
        }

        ClusterLog.HostAdmitted(_logger, name, host.Endpoint, tokenId, host.Serial);
        return new JoinGrant { Certificate = host.Certificate, Crl = _transport.Revocations.Pem, ManagerName = Name };
    }

    private ClusterRefusedException Fail(IPAddress remote, string name, string what)
    {
        _joinLimiter.Failed(remote);
        ClusterLog.JoinRefused(_logger, name, remote.ToString(), what);
        return new ClusterRefusedException($"the manager refused {what}; nothing changed");
    }

    /// <summary>An address as it goes before <c>:PORT</c> (IPv6 in brackets).</summary>
    internal static string Host(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return plain.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{plain}]" : plain.ToString();
    }

    private static string AddressOf(string advertised)
    {
        if (IPAddress.TryParse(advertised, out var ip))
        {
            return Host(ip);
        }

        return HostNames.Require(advertised, "advertised address");
    }
}
