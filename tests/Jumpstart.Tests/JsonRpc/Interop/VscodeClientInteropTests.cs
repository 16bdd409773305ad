using System.Net;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.JsonRpc.Interop;

/// <summary>vscode-jsonrpc (npm) as the CLIENT, our <see cref="JsonRpcServer"/> (StreamJsonRpc behind our framing) as the server.</summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class VscodeClientInteropTests
{
    [ToolTheory("node")]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task VscodeClient_AgainstOurServer_EveryFeatureWorks(string transport)
    {
        using var directory = new TempDirectory("jsonrpc-interop");
        await using var server = transport == "unix"
            ? JsonRpcServer.ListenUnix(directory.Combine("ours.sock"), Configure)
            : JsonRpcServer.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), Configure);
        var address = transport == "unix" ? directory.Combine("ours.sock") : $"127.0.0.1:{((IPEndPoint)server.LocalEndPoint).Port}";

        var results = await VscodePeer.RunClientAsync(transport, address);

        Assert.Equal(5, results.GetProperty("positional").GetInt32());
        Assert.Equal("hi ada", results.GetProperty("named").GetString());
        Assert.Equal("hello bo", results.GetProperty("namedDefaults").GetString());
        var registered = results.GetProperty("singleObject");
        Assert.Equal("i-1", registered.GetProperty("instanceId").GetString());
        Assert.Equal(4, registered.GetProperty("cores").GetInt32());
        Assert.Equal("x", registered.GetProperty("tags")[0].GetString());

        var error = results.GetProperty("error");
        Assert.Equal(-32001, error.GetProperty("code").GetInt32());
        Assert.Equal("no room", error.GetProperty("message").GetString());
        Assert.Equal("no room", error.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(JsonRpcErrorCodes.MethodNotFound, results.GetProperty("methodNotFound").GetProperty("code").GetInt32());
        Assert.Equal(JsonRpcErrorCodes.InvalidParams, results.GetProperty("invalidParams").GetProperty("code").GetInt32());

        Assert.Equal("ours got ping", results.GetProperty("notification").GetString());
        Assert.Equal(42, results.GetProperty("serverToClient").GetInt32());
        Assert.Equal(JsonRpcErrorCodes.RequestCancelled, results.GetProperty("cancel").GetProperty("code").GetInt32());
        Assert.True(results.GetProperty("cancelObserved").GetBoolean());
        Assert.Equal("client saw cancel", results.GetProperty("cancelFromServer").GetString());
    }

    private static void Configure(JsonRpcPeer connection)
    {
        var target = new SampleTarget();
        connection.AddLocalRpcTarget(target);
        connection.AddLocalRpcMethod("CancelObserved", () => target.CancelObserved.Task.IsCompletedSuccessfully);
        connection.AddLocalRpcMethod("note", (string text) => connection.NotifyAsync("noted", new object?[] { "ours got " + text }));
        connection.AddLocalRpcMethod("callMeBack", (int x) => connection.InvokeAsync<int>("clientDouble", new object?[] { x }));
        connection.AddLocalRpcMethod("cancelClientCall", async () =>
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            try
            {
                // StreamJsonRpc (like vscode-jsonrpc) waits for the answer to a cancelled request: vscode's handler
                // resolves it, so the call may end with that answer rather than a cancellation.
                await connection.InvokeAsync<string>("clientWait", cancellationToken: cancel.Token);
            }
            catch (OperationCanceledException)
            {
                // Cancelled as asked.
            }

            if (!cancel.IsCancellationRequested)
            {
                return "not cancelled";
            }

            return await connection.InvokeAsync<bool>("clientSawCancel") ? "client saw cancel" : "client missed cancel";
        });
    }
}
