using System.Net.Security;

namespace Jumpstart.Hostd.Cluster.Transport;

/// <summary>
/// What a cluster connection carries, chosen by TLS ALPN (RFC 7301) in the handshake: one port serves them all.
/// Every protocol but <see cref="Join"/> requires a client certificate of the cluster.
/// </summary>
public static class ClusterProtocols
{
    /// <summary>JSON-RPC between a host and the manager (mutual TLS).</summary>
    public const string Rpc = "jumpstart-rpc/1";

    /// <summary>JSON-RPC of a host that has no certificate yet (server-authenticated TLS; the manager only).</summary>
    public const string Join = "jumpstart-join/1";

    /// <summary>
    /// A health check any member answers: the server writes one line, <c>jumpstart SERVER sees CLIENT</c>, and closes.
    /// It shows (to a test, to <c>openssl s_client</c>) that both certificates were accepted.
    /// </summary>
    public const string Ping = "jumpstart-ping/1";

    /// <summary>State bundle bytes between hosts (mutual TLS), reserved for the bundle transfer.</summary>
    public const string Bundle = "jumpstart-bundle/1";

    /// <summary>
    /// Remote control (mutual TLS): one relayed control-socket call per connection, member -> manager
    /// (<c>control.relay</c>) and manager -> target (<c>control.run</c>); hostd/Cluster/README.md, "Remote control".
    /// </summary>
    public const string Control = "jumpstart-control/1";

    public static SslApplicationProtocol Of(string name) => new(name);
}
