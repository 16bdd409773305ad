using System.Net;
using System.Net.Security;

namespace Jumpstart.Hostd.Cluster.Transport;

/// <summary>
/// One TLS 1.3 connection of the cluster, after its handshake: the stream, the ALPN protocol, and who is at the other
/// end (the name in the certificate that was checked against the cluster's CA and revocation list). Disposing closes
/// it. When the peer's certificate is revoked later, the transport closes the connection.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private int _disposed;

    internal ClusterConnection(SslStream stream, string protocol, string? peerName, string? peerSerial, IPEndPoint? remote)
    {
        Stream = stream;
        Protocol = protocol;
        PeerName = peerName;
        PeerSerial = peerSerial;
        RemoteEndPoint = remote;
    }

    /// <summary>The encrypted, authenticated stream.</summary>
    public SslStream Stream { get; }

    /// <summary>The ALPN protocol (<see cref="ClusterProtocols"/>).</summary>
    public string Protocol { get; }

    /// <summary>The peer's name (its certificate's DNS name); null only on a <see cref="ClusterProtocols.Join"/> connection.</summary>
    public string? PeerName { get; }

    /// <summary>The peer certificate's serial (upper-case hex); null when it presented none.</summary>
    public string? PeerSerial { get; }

    /// <summary>The peer's address.</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Completes when the connection is disposed (by its user, a revocation or the transport's stop).</summary>
    public Task Closed => _closed.Task;

    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await Stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The peer is gone already.
        }

        _closed.TrySetResult();
    }
}
