using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using StreamJsonRpc;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>The listener and client over real TCP and unix sockets.</summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class SocketTransportTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Tcp_ClientCallsServer_AndServerCallsBack()
    {
        var callbacks = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), connection =>
        {
            connection.AddLocalRpcTarget(new SampleTarget());
            connection.AddLocalRpcMethod("callMeBack", async (int x) => await connection.InvokeAsync<int>("clientDouble", new object?[] { x }));
        });
        await using var client = await JsonRpcClient.ConnectAsync(
            server.LocalEndPoint,
            c => c.AddLocalRpcMethod("clientDouble", (int x) => { callbacks.TrySetResult(x); return x * 2; }),
            cancellationToken: CancellationToken.None).WaitAsync(s_timeout);

        Assert.Equal(9, await client.InvokeAsync<int>("Add", new object?[] { 4, 5 }).WaitAsync(s_timeout));
        Assert.Equal(22, await client.InvokeAsync<int>("callMeBack", new { x = 11 }).WaitAsync(s_timeout));
        Assert.Equal(11, await callbacks.Task.WaitAsync(s_timeout));
        Assert.NotEqual(0, ((IPEndPoint)server.LocalEndPoint).Port);
    }

    [Fact]
    public async Task Unix_ClientCallsServer_WithSingleObjectParams()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("rpc.sock");
        await using var server = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalRpcTarget(new SampleTarget()));
        await using var client = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(s_timeout);

        var reply = await client.InvokeAsync<RegisterRequest>("cms.register", new RegisterRequest("i-9", 1)).WaitAsync(s_timeout);

        Assert.Equal(new RegisterRequest("i-9", 2), reply with { Tags = null });
    }

    [Fact]
    public async Task Unix_StaleSocketFile_IsReplaced()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("stale.sock");
        // A crashed daemon leaves its bound socket file behind; .NET's Socket unlinks on dispose, so bind with raw syscalls.
        var fd = Mono.Unix.Native.Syscall.socket(Mono.Unix.Native.UnixAddressFamily.AF_UNIX, Mono.Unix.Native.UnixSocketType.SOCK_STREAM, 0);
        Assert.Equal(0, Mono.Unix.Native.Syscall.bind(fd, new Mono.Unix.Native.SockaddrUn(path)));
        Mono.Unix.Native.Syscall.close(fd);

        Assert.True(File.Exists(path));
        await using var server = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalRpcTarget(new SampleTarget()));
        await using var client = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(s_timeout);

        Assert.Equal(2, await client.InvokeAsync<int>("Add", new object?[] { 1, 1 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Unix_PathHeldByALiveServer_IsNotStolen()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("live.sock");
        await using var first = JsonRpcServer.ListenUnix(path, _ => { });

        Assert.Throws<IOException>(() => JsonRpcServer.ListenUnix(path, _ => { }));
    }

    [Fact]
    public async Task Unix_PathThatIsARegularFile_IsNotDeleted()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("data.txt");
        await File.WriteAllTextAsync(path, "keep me");

        Assert.Throws<IOException>(() => JsonRpcServer.ListenUnix(path, _ => { }));
        Assert.Equal("keep me", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task ServerDispose_ClosesClientConnections_AndRemovesTheSocketFile()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("rpc.sock");
        var target = new SampleTarget();
        var server = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalRpcTarget(target));
        await using var client = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(s_timeout);
        var pending = client.InvokeAsync<string>("WaitForCancel");
        await target.Started.Task.WaitAsync(s_timeout);

        await server.DisposeAsync().AsTask().WaitAsync(s_timeout);

        await Assert.ThrowsAsync<ConnectionLostException>(() => pending.WaitAsync(s_timeout));
        await client.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(s_timeout);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Unix_WithSocketMode_CreatesTheSocketWithThatMode()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("private.sock");
        const UnixFileMode OwnerAndGroup = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

        await using var server = JsonRpcServer.ListenUnix(path, OwnerAndGroup, connection => connection.AddLocalRpcTarget(new SampleTarget()));

        Assert.Equal(OwnerAndGroup, OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Tcp_ConnectByHostName_Works()
    {
        await using var server = JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), connection => connection.AddLocalRpcTarget(new SampleTarget()));
        await using var client = await JsonRpcClient.ConnectAsync(new DnsEndPoint("localhost", ((IPEndPoint)server.LocalEndPoint).Port)).WaitAsync(s_timeout);

        Assert.Equal(7, await client.InvokeAsync<int>("Add", new object?[] { 3, 4 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Server_WhenConfigureThrows_DropsThatConnection_AndKeepsServing()
    {
        var attempts = 0;
        await using var server = JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), connection =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new InvalidOperationException("setup failed");
            }

            connection.AddLocalRpcTarget(new SampleTarget());
        });

        await using var first = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_timeout);
        await first.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(s_timeout);
        await using var second = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_timeout);

        Assert.Equal(2, await second.InvokeAsync<int>("Add", new object?[] { 1, 1 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Server_ServesManyClientsAtOnce_AndForgetsClosedOnes()
    {
        await using var server = JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), connection => connection.AddLocalRpcTarget(new SampleTarget()));
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => JsonRpcClient.ConnectAsync(server.LocalEndPoint))).WaitAsync(s_timeout);

        var sums = await Task.WhenAll(clients.Select((c, i) => c.InvokeAsync<int>("Add", new object?[] { i, i }))).WaitAsync(s_timeout);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => 2 * i), sums);
        Assert.Equal(8, server.ConnectionCount);

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        using var deadline = new CancellationTokenSource(s_timeout);
        while (server.ConnectionCount > 0)
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    [Fact]
    public async Task Connect_WhereNothingListens_ThrowsSocketException()
    {
        using var directory = new TempDirectory("jsonrpc");

        await Assert.ThrowsAnyAsync<SocketException>(() => JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(directory.Combine("none.sock"))).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Unix_PeerCredentials_AreTheCallersUidAndGid()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("cred.sock");
        var seen = new TaskCompletionSource<PeerCredentials?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = JsonRpcServer.ListenUnix(path, connection => seen.TrySetResult(connection.Credentials));
        await using var client = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(s_timeout);

        var credentials = await seen.Task.WaitAsync(s_timeout);

        Assert.NotNull(credentials);
        Assert.Equal((Environment.ProcessId, Mono.Unix.Native.Syscall.geteuid(), Mono.Unix.Native.Syscall.getegid()), (credentials.Value.Pid, credentials.Value.Uid, credentials.Value.Gid));
    }

    [Fact]
    public void PeerPolicy_AllowsRootTheDaemonsUserAndTheGroup_AndNobodyElse()
    {
        const uint Daemon = 4242;
        const uint Group = 5151;
        var policy = new PeerCredentialPolicy(Group, selfUid: Daemon);
        var noGroup = new PeerCredentialPolicy(selfUid: Daemon);

        Assert.True(policy.Allows(new PeerCredentials(1, 0, 0)));
        Assert.True(policy.Allows(new PeerCredentials(1, Daemon, 9999)));
        Assert.True(policy.Allows(new PeerCredentials(1, 60001, Group)));
        Assert.False(policy.Allows(new PeerCredentials(1, 60001, 60001)));
        Assert.False(noGroup.Allows(new PeerCredentials(1, 60001, Group)));
    }

    [Fact]
    public async Task Unix_PeerRefusedByThePolicy_IsClosedBeforeAnyCall_AndAllowedPeersAreServed()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("policy.sock");

        // A daemon "user" that is not us, no group: we (root in CI, or a developer) are refused unless we are root.
        var refuseUs = new JsonRpcOptions { PeerPolicy = new PeerCredentialPolicy(selfUid: 4242) };
        await using (var server = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalRpcTarget(new SampleTarget()), refuseUs))
        {
            await using var client = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(s_timeout);
            if (Mono.Unix.Native.Syscall.geteuid() == 0)
            {
                Assert.Equal(2, await client.InvokeAsync<int>("Add", new object?[] { 1, 1 }).WaitAsync(s_timeout));
            }
            else
            {
                await Assert.ThrowsAnyAsync<Exception>(() => client.InvokeAsync<int>("Add", new object?[] { 1, 1 }).WaitAsync(s_timeout));
                Assert.Equal(1, server.RefusedCount);
            }
        }

        // The daemon's own user is always let in.
        var ours = new JsonRpcOptions { PeerPolicy = new PeerCredentialPolicy() };
        await using var allowed = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalRpcTarget(new SampleTarget()), ours);
        await using var again = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(s_timeout);
        Assert.Equal(2, await again.InvokeAsync<int>("Add", new object?[] { 1, 1 }).WaitAsync(s_timeout));
        Assert.Equal(0, allowed.RefusedCount);
    }
}
