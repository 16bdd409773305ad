using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster;

/// <summary>The cluster's log messages (event ids 4900-4999).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = LogEventIds.Cluster.Listening, Level = LogLevel.Information, Message = "Cluster port listening on {EndPoint} (mutual TLS 1.3), {Connections}")]
    public static partial void Listening(ILogger logger, string endPoint, string connections);

    [LoggerMessage(EventId = LogEventIds.Cluster.PeerRefused, Level = LogLevel.Warning, Message = "Refused the certificate of {Remote}: {Reason} ({HeldBack} more refusals since the last entry)")]
    public static partial void PeerRefused(ILogger logger, string remote, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.Cluster.HandshakeFailed, Level = LogLevel.Information, Message = "Closed a connection from {Remote} in its TLS handshake: {Reason} ({HeldBack} more since the last entry)")]
    public static partial void HandshakeFailed(ILogger logger, string remote, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.Cluster.ConnectionRefused, Level = LogLevel.Warning, Message = "Closed a connection from {Remote} at accept: {Reason} ({HeldBack} more since the last entry)")]
    public static partial void ConnectionRefused(ILogger logger, string remote, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.Cluster.AcceptFailed, Level = LogLevel.Warning, Message = "Cluster port accept failed: {Reason} ({HeldBack} more not logged)")]
    public static partial void AcceptFailed(ILogger logger, string reason, long heldBack);

    [LoggerMessage(EventId = LogEventIds.Cluster.HandlerFailed, Level = LogLevel.Error, Message = "A {Protocol} connection with {Peer} failed")]
    public static partial void HandlerFailed(ILogger logger, string protocol, string peer, Exception exception);

    [LoggerMessage(EventId = LogEventIds.Cluster.Created, Level = LogLevel.Information, Message = "Created the cluster: this host {Name} is its manager, CA {CaHash}")]
    public static partial void Created(ILogger logger, string name, string caHash);

    [LoggerMessage(EventId = LogEventIds.Cluster.Joined, Level = LogLevel.Information, Message = "Joined the cluster of {ManagerName} at {Manager} as {Name}")]
    public static partial void Joined(ILogger logger, string name, string managerName, string manager);

    [LoggerMessage(EventId = LogEventIds.Cluster.Started, Level = LogLevel.Information, Message = "In the cluster as {Name} ({Role}), revocation list {CrlNumber}")]
    public static partial void Started(ILogger logger, string name, string role, long crlNumber);

    [LoggerMessage(EventId = LogEventIds.Cluster.HostAdmitted, Level = LogLevel.Information, Message = "Host {Name} joined from {Endpoint} with token {TokenId} (certificate {Serial})")]
    public static partial void HostAdmitted(ILogger logger, string name, string endpoint, string tokenId, string serial);

    [LoggerMessage(EventId = LogEventIds.Cluster.JoinRefused, Level = LogLevel.Warning, Message = "Refused a join of {Name} from {Remote}: {Reason}")]
    public static partial void JoinRefused(ILogger logger, string name, string remote, string reason);

    [LoggerMessage(EventId = LogEventIds.Cluster.TokenCreated, Level = LogLevel.Information, Message = "Join token {TokenId} created: {Uses} uses until {ExpiresAt:u}")]
    public static partial void TokenCreated(ILogger logger, string tokenId, int uses, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = LogEventIds.Cluster.HostDown, Level = LogLevel.Warning, Message = "Host {Name} is down: no heartbeat for {Seconds:0.#} s")]
    public static partial void HostDown(ILogger logger, string name, double seconds);

    [LoggerMessage(EventId = LogEventIds.Cluster.HostUp, Level = LogLevel.Information, Message = "Host {Name} is up")]
    public static partial void HostUp(ILogger logger, string name);

    [LoggerMessage(EventId = LogEventIds.Cluster.HostRemoved, Level = LogLevel.Warning, Message = "Host {Name} removed: certificate {Serial} revoked in list {CrlNumber}, pushed to {Notified} hosts")]
    public static partial void HostRemoved(ILogger logger, string name, string serial, long crlNumber, int notified);

    [LoggerMessage(EventId = LogEventIds.Cluster.RevocationsApplied, Level = LogLevel.Information, Message = "Revocation list {CrlNumber} in force: {Count} certificates revoked")]
    public static partial void RevocationsApplied(ILogger logger, long crlNumber, int count);

    [LoggerMessage(EventId = LogEventIds.Cluster.ManagerConnected, Level = LogLevel.Information, Message = "Connected to the manager {ManagerName} at {Manager}")]
    public static partial void ManagerConnected(ILogger logger, string managerName, string manager);

    [LoggerMessage(EventId = LogEventIds.Cluster.ManagerLost, Level = LogLevel.Warning, Message = "No connection to the manager at {Manager}: {Reason}")]
    public static partial void ManagerLost(ILogger logger, string manager, string reason);

    [LoggerMessage(EventId = LogEventIds.Cluster.ThisHostRevoked, Level = LogLevel.Error, Message = "This host's certificate {Serial} is revoked: it was removed from the cluster and stops talking to it")]
    public static partial void ThisHostRevoked(ILogger logger, string serial);

    [LoggerMessage(EventId = LogEventIds.Cluster.BundleReceived, Level = LogLevel.Information, Message = "Bundle transfer from {Peer}: {State}, {Bytes} bytes verified{Detail}")]
    public static partial void BundleReceived(ILogger logger, string peer, string state, long bytes, string detail);

    [LoggerMessage(EventId = LogEventIds.Cluster.BundleRefused, Level = LogLevel.Warning, Message = "Bundle transfer from {Peer} failed: {Reason}")]
    public static partial void BundleRefused(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = LogEventIds.Cluster.BundleDistributed, Level = LogLevel.Information, Message = "Bundle {Bundle} distributed by {Transport} to {Hosts} host(s) in {Seconds:0.0} s, {Failed} failed")]
    public static partial void BundleDistributed(ILogger logger, string bundle, string transport, int hosts, double seconds, int failed);

    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentStarted, Level = LogLevel.Information, Message = "Deployment {Deployment}: {Count} instance(s) placed on {Hosts} host(s)")]
    public static partial void DeploymentStarted(ILogger logger, string deployment, int count, int hosts);

    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentEnded, Level = LogLevel.Information, Message = "Deployment {Deployment} {State}: {Missing} missing, {Failed} failed, all roles after {Seconds:0.00} s")]
    public static partial void DeploymentEnded(ILogger logger, string deployment, string state, int missing, int failed, double seconds);

    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentFailed, Level = LogLevel.Error, Message = "Deployment {Deployment} failed: {Reason}")]
    public static partial void DeploymentFailed(ILogger logger, string deployment, string reason);

    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentHostFailed, Level = LogLevel.Warning, Message = "Deployment {Deployment}: host {Host} is out ({Reason}); its instances are placed again")]
    public static partial void DeploymentHostFailed(ILogger logger, string deployment, string host, string reason);

    [LoggerMessage(EventId = LogEventIds.Cluster.DeploymentRemoved, Level = LogLevel.Information, Message = "Deployment {Deployment} removed: {Stopped} VM(s) stopped, {Unreachable} host(s) unreachable")]
    public static partial void DeploymentRemoved(ILogger logger, string deployment, int stopped, int unreachable);
}
