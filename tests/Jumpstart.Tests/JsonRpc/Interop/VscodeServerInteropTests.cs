using Jumpstart.Shared.JsonRpc;
using System.Text.Json;
using Jumpstart.Tests.Support;
using StreamJsonRpc;
using Xunit;

namespace Jumpstart.Tests.JsonRpc.Interop;

/// <summary>vscode-jsonrpc (npm) as the SERVER, our <see cref="JsonRpcClient"/> (StreamJsonRpc behind our framing) as the client.</summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class VscodeServerInteropTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [ToolTheory("node")]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task OurClient_AgainstVscodeServer_EveryFeatureWorks(string transport)
    {
        using var directory = new TempDirectory("jsonrpc-interop");
        await using var peer = await VscodePeer.StartServerAsync(transport, transport == "unix" ? directory.Combine("vscode.sock") : "127.0.0.1:0");
        var noted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ourWaitCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await JsonRpcClient.ConnectAsync(peer.EndPoint, c =>
        {
            c.AddLocalRpcMethod("clientDouble", (int x) => x * 2);
            c.AddLocalRpcMethod("noted", (string text) => noted.TrySetResult(text));
            c.AddLocalRpcMethod("ourWait", async (CancellationToken token) =>
            {
                await using var registration = token.Register(ourWaitCancelled.SetResult);
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            });
        }).WaitAsync(s_timeout);

        // Positional, named, single object.
        Assert.Equal(5, await client.InvokeAsync<int>("add", new object?[] { 2, 3 }).WaitAsync(s_timeout));
        Assert.Equal("hi ada", await client.InvokeAsync<string>("greet", new { name = "ada", greeting = "hi" }).WaitAsync(s_timeout));
        var echoed = await client.InvokeAsync<RegisterRequest>("echoObject", new RegisterRequest("i-7", 3, ["t"])).WaitAsync(s_timeout);
        Assert.Equal(("i-7", 3, "t"), (echoed.InstanceId, echoed.Cores, echoed.Tags![0]));

        // Application error with data, and vscode's own Method-not-found.
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => client.InvokeAsync("fail", new object?[] { "no room" }).WaitAsync(s_timeout));
        Assert.Equal((-32001, "no room"), (error.ErrorCode, error.Message));
        Assert.Equal("no room", ((JsonElement)error.ErrorData!).GetProperty("reason").GetString());
        var missing = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => client.InvokeAsync("nope").WaitAsync(s_timeout));
        Assert.Equal(JsonRpcErrorCodes.MethodNotFound, (int)missing.ErrorCode);

        // Notification both ways.
        await client.NotifyAsync("note", new object?[] { "ping" }).WaitAsync(s_timeout);
        Assert.Equal("vscode got ping", await noted.Task.WaitAsync(s_timeout));

        // Server-to-client call while the client's call is in progress.
        Assert.Equal(42, await client.InvokeAsync<int>("callBack", new object?[] { 21 }).WaitAsync(s_timeout));

        // Our cancellation reaches the vscode handler's token.
        using (var cancel = new CancellationTokenSource())
        {
            var waiting = client.InvokeAsync("waitForCancel", cancellationToken: cancel.Token);
            await Task.Delay(100);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_timeout));
        }

        Assert.True(await client.InvokeAsync<bool>("cancelSeen").WaitAsync(s_timeout));

        // vscode's cancellation reaches our handler, which answers -32800.
        Assert.Equal(JsonRpcErrorCodes.RequestCancelled, await client.InvokeAsync<int>("cancelOurs").WaitAsync(s_timeout));
        await ourWaitCancelled.Task.WaitAsync(s_timeout);
    }
}
