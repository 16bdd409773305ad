using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

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
            connection.AddLocalTarget(new SampleTarget());
            connection.AddMethod("callMeBack", async (int x) => await connection.InvokeAsync<int>("clientDouble", new object?[] { x }));
        });
        await using var client = await JsonRpcClient.ConnectAsync(
            server.LocalEndPoint,
            c => c.AddMethod("clientDouble", (int x) => { callbacks.TrySetResult(x); return x * 2; }),
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
        await using var server = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalTarget(new SampleTarget()));
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
        await using var server = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalTarget(new SampleTarget()));
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
        var server = JsonRpcServer.ListenUnix(path, connection => connection.AddLocalTarget(new SampleTarget()));
        await using var client = await JsonRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(s_timeout);
        var pending = client.InvokeAsync<string>("WaitForCancel");
        await Task.Delay(50);

        await server.DisposeAsync().AsTask().WaitAsync(s_timeout);

        await Assert.ThrowsAsync<ConnectionLostException>(() => pending.WaitAsync(s_timeout));
        await client.Completion.WaitAsync(s_timeout);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Unix_WithSocketMode_CreatesTheSocketWithThatMode()
    {
        using var directory = new TempDirectory("jsonrpc");
        var path = directory.Combine("private.sock");
        const UnixFileMode OwnerAndGroup = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

        await using var server = JsonRpcServer.ListenUnix(path, OwnerAndGroup, connection => connection.AddLocalTarget(new SampleTarget()));

        Assert.Equal(OwnerAndGroup, OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Tcp_ConnectByHostName_Works()
    {
        await using var server = JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), connection => connection.AddLocalTarget(new SampleTarget()));
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

            connection.AddLocalTarget(new SampleTarget());
        });

        await using var first = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_timeout);
        await first.Completion.WaitAsync(s_timeout);
        await using var second = await JsonRpcClient.ConnectAsync(server.LocalEndPoint).WaitAsync(s_timeout);

        Assert.Equal(2, await second.InvokeAsync<int>("Add", new object?[] { 1, 1 }).WaitAsync(s_timeout));
        Assert.Equal(JsonRpcCloseReason.EndOfStream, first.CloseReason);
    }

    [Fact]
    public async Task Server_ServesManyClientsAtOnce_AndForgetsClosedOnes()
    {
        await using var server = JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), connection => connection.AddLocalTarget(new SampleTarget()));
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
}
