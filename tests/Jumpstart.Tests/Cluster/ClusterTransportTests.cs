using System.Net;
using Jumpstart.Hostd.Cluster;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// The cluster transport in-process over loopback, both sides real SslStreams: a certificate of another CA, a revoked
/// one or one with the wrong name is refused by whichever side checks it, and a revocation cuts open connections.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Cluster)]
public sealed class ClusterTransportTests : IAsyncDisposable
{
    private const string TestProtocol = "jumpstart-test/1";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private readonly CertificateAuthority _ca = CertificateAuthority.Create("host-a", DateTimeOffset.UtcNow);
    private readonly List<IAsyncDisposable> _owned = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        _ca.Dispose();
    }

    [Fact]
    public async Task TwoHostsOfOneCa_SeeEachOthersNames()
    {
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (server, endPoint) = Serve("host-a", seen);
        var client = Transport("host-b");

        await using var connection = await client.ConnectAsync(endPoint, "host-a", TestProtocol, CancellationToken.None);

        Assert.Equal("host-a", connection.PeerName);
        Assert.Equal("host-b", await seen.Task.WaitAsync(s_wait));
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, connection.Stream.SslProtocol);
        Assert.Equal("ok", await ReadLineAsync(connection));
        Assert.NotNull(server);
    }

    [Fact]
    public async Task ARevokedClient_IsRefusedByTheServer()
    {
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = Transport("host-b");
        var (_, endPoint) = Serve("host-a", seen, Revoking(client.Identity));

        var refused = await RefusedAsync(() => client.ConnectAsync(endPoint, "host-a", TestProtocol, CancellationToken.None));

        Assert.True(refused);
        Assert.False(seen.Task.IsCompleted, "the server's protocol handler ran for a revoked client");
    }

    [Fact]
    public async Task ARevokedServer_IsRefusedByTheClient()
    {
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (server, endPoint) = Serve("host-a", seen);
        var client = Transport("host-b", Revoking(server.Identity));

        await Assert.ThrowsAsync<ClusterUnreachableException>(() => client.ConnectAsync(endPoint, "host-a", TestProtocol, CancellationToken.None));
    }

    [Fact]
    public async Task AServerOfAnotherCaOrWithAnotherName_IsRefusedByTheClient_AndAClientOfAnotherCaByTheServer()
    {
        using var other = CertificateAuthority.Create("host-z", DateTimeOffset.UtcNow);
        var (_, foreignEndPoint) = Serve("host-a", new TaskCompletionSource<string?>(), ca: other);
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, endPoint) = Serve("host-a", seen);
        var client = Transport("host-b");

        await Assert.ThrowsAsync<ClusterUnreachableException>(() => client.ConnectAsync(foreignEndPoint, "host-a", TestProtocol, CancellationToken.None));
        await Assert.ThrowsAsync<ClusterUnreachableException>(() => client.ConnectAsync(endPoint, "host-c", TestProtocol, CancellationToken.None));

        // In TLS 1.3 the server may finish its side before the client rejects the server's name; the other way round,
        // the server checks the client's certificate before any handler runs.
        seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, strictEndPoint) = Serve("host-a", seen);
        var foreignClient = Transport("host-b", ca: other);
        Assert.True(await RefusedAsync(() => foreignClient.ConnectAsync(strictEndPoint, "host-a", TestProtocol, CancellationToken.None)));
        Assert.False(seen.Task.IsCompleted, "the server's handler ran for a client of another CA");
    }

    [Fact]
    public async Task ARevocation_ClosesTheOpenConnectionsOfTheRevokedCertificate()
    {
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (server, endPoint) = Serve("host-a", seen, holdOpen: true);
        var client = Transport("host-b");
        await using var connection = await client.ConnectAsync(endPoint, "host-a", TestProtocol, CancellationToken.None);
        Assert.Equal("ok", await ReadLineAsync(connection));

        Assert.True(server.ApplyRevocations(Revoking(client.Identity, number: 1)));
        Assert.False(server.ApplyRevocations(Revoking(client.Identity, number: 1)), "a list that is not newer was applied");

        var buffer = new byte[16];
        using var bound = new CancellationTokenSource(s_wait);
        int read;
        try
        {
            read = await connection.Stream.ReadAsync(buffer, bound.Token);
        }
        catch (IOException)
        {
            read = 0;
        }

        Assert.Equal(0, read);
    }

    /// <summary>A transport for <paramref name="name"/> whose certificate <paramref name="ca"/> (default: the test's CA) signed.</summary>
    private ClusterTransport Transport(string name, RevocationList? revocations = null, CertificateAuthority? ca = null)
    {
        var authority = ca ?? _ca;
        using var key = ClusterCertificates.NewKey();
        using var certificate = authority.Issue(key, name, DateTimeOffset.UtcNow);
        var identity = HostIdentity.FromPem(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), authority.Certificate.ExportCertificatePem());
        var options = new ClusterOptions { HandshakeTimeout = TimeSpan.FromSeconds(5) };
        var transport = new ClusterTransport(identity, revocations ?? RevocationList.Empty, options, NullLogger.Instance);
        _owned.Add(transport);
        return transport;
    }

    /// <summary>A listening transport whose test protocol writes "ok" and reports the peer's name.</summary>
    private (ClusterTransport Server, EndPoint EndPoint) Serve(string name, TaskCompletionSource<string?> seen, RevocationList? revocations = null, CertificateAuthority? ca = null, bool holdOpen = false)
    {
        var server = Transport(name, revocations, ca);
        server.Map(TestProtocol, async (connection, cancellationToken) =>
        {
            seen.TrySetResult(connection.PeerName);
            await connection.Stream.WriteAsync("ok\n"u8.ToArray(), cancellationToken);
            await connection.Stream.FlushAsync(cancellationToken);
            if (holdOpen)
            {
                await connection.Closed.WaitAsync(cancellationToken);
            }
        });
        server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        return (server, server.ListenEndPoint!);
    }

    private RevocationList Revoking(HostIdentity identity, long number = 1)
        => RevocationList.FromDer(_ca.BuildCrl([(identity.Serial, DateTimeOffset.UtcNow)], number, DateTimeOffset.UtcNow), _ca.Certificate);

    /// <summary>
    /// Whether the server refused the client: in TLS 1.3 the client's handshake may complete before the server has
    /// checked the client's certificate, so a refusal shows as a failed connect or as a connection closed unread.
    /// </summary>
    private static async Task<bool> RefusedAsync(Func<Task<ClusterConnection>> connect)
    {
        ClusterConnection connection;
        try
        {
            connection = await connect();
        }
        catch (ClusterUnreachableException)
        {
            return true;
        }

        await using (connection)
        {
            try
            {
                return await ReadLineAsync(connection) is null;
            }
            catch (IOException)
            {
                return true;
            }
        }
    }

    private static async Task<string?> ReadLineAsync(ClusterConnection connection)
    {
        using var reader = new StreamReader(connection.Stream, leaveOpen: true);
        using var bound = new CancellationTokenSource(s_wait);
        return await reader.ReadLineAsync(bound.Token);
    }
}
