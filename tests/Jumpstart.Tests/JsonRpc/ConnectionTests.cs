using System.Text.Json;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class ConnectionTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Invoke_WithPositionalArguments_ReturnsTheResult()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        Assert.Equal(5, await pair.Client.InvokeAsync<int>("Add", new object?[] { 2, 3 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_WithNamedArguments_BindsByNameAndFillsDefaults()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        Assert.Equal("hello ada", await pair.Client.InvokeAsync<string>("Greet", new { name = "ada" }).WaitAsync(s_timeout));
        Assert.Equal("hi bo hi bo", await pair.Client.InvokeAsync<string>("Greet", new { times = 2, name = "bo", greeting = "hi" }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_WithFewerPositionalArguments_UsesDefaults()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        Assert.Equal("yo cy", await pair.Client.InvokeAsync<string>("Greet", new object?[] { "cy", "yo" }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_AsyncMethods_AreNamedWithoutTheSuffixAndAwaited()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        Assert.Equal(42L, await pair.Client.InvokeAsync<long>("Multiply", new object?[] { 6, 7 }).WaitAsync(s_timeout));
        Assert.Equal("abc", await pair.Client.InvokeAsync<string>("Echo", new object?[] { "abc" }).WaitAsync(s_timeout));
        await pair.Client.InvokeAsync("Nothing").WaitAsync(s_timeout);
        await pair.Client.InvokeAsync("NothingValue").WaitAsync(s_timeout);
        Assert.Equal("renamed-result", await pair.Client.InvokeAsync<string>("renamed").WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_SingleObjectMethod_DeserializesTheWholeParamsObject()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        var reply = await pair.Client.InvokeAsync<RegisterRequest>("cms.register", new RegisterRequest("i-1", 2, ["a"])).WaitAsync(s_timeout);

        Assert.Equal("i-1", reply.InstanceId);
        Assert.Equal(4, reply.Cores);
        Assert.Equal(["a"], reply.Tags);
    }

    [Fact]
    public async Task Invoke_DelegateMethod_Binds()
    {
        await using var pair = ConnectionPair.Create(s => s.AddMethod("concat", (string a, string b) => a + b));

        Assert.Equal("xy", await pair.Client.InvokeAsync<string>("concat", new { a = "x", b = "y" }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_LocalRpcException_ReachesTheCallerWithCodeMessageAndData()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync("Fail", new object?[] { "no room" }).WaitAsync(s_timeout));

        Assert.Equal(-32001, error.Code);
        Assert.Equal("no room", error.Message);
        Assert.Equal("no room", error.ErrorData!.Value.GetProperty("reason").GetString());
        Assert.False(error.ErrorData.Value.GetProperty("retry").GetBoolean());
    }

    [Fact]
    public async Task Invoke_HandlerThatThrows_AnswersInternalErrorWithTheExceptionType()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync("Crash").WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.InternalError, error.Code);
        Assert.Equal("handler bug", error.Message);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.ErrorData!.Value.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Invoke_UnknownMethod_ThrowsMethodNotFound()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync("nope").WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.MethodNotFound, error.Code);
    }

    [Theory]
    [InlineData("Add", "[1]")]
    [InlineData("Add", "[1,2,3]")]
    [InlineData("Add", "[\"x\",2]")]
    [InlineData("Greet", "{\"greeting\":\"hi\"}")]
    public async Task Invoke_WithParamsThatDoNotFit_ThrowsInvalidParams(string method, string paramsJson)
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(new SampleTarget()));
        using var document = JsonDocument.Parse(paramsJson);
        object? arguments = document.RootElement.ValueKind == JsonValueKind.Array
            ? document.RootElement.EnumerateArray().Select(e => (object?)e.Clone()).ToArray()
            : document.RootElement.Clone();

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync(method, arguments).WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.InvalidParams, error.Code);
    }

    [Fact]
    public async Task Notify_RunsTheHandlerWithoutAnAnswer()
    {
        var target = new SampleTarget();
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(target));

        await pair.Client.NotifyAsync("Notify", new object?[] { "ping" }).WaitAsync(s_timeout);

        Assert.Equal("ping", await target.Notified.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ServerToClientCall_OnTheSameConnection_Works()
    {
        await using var pair = ConnectionPair.Create(
            configureServer: s => s.AddMethod("serverSide", (int x) => x),
            configureClient: c => c.AddMethod("clientSide", (int x) => x * 10));

        Assert.Equal(70, await pair.Server.InvokeAsync<int>("clientSide", new object?[] { 7 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task SlowHandler_DoesNotBlockOtherCallsOnTheConnection()
    {
        var target = new SampleTarget();
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(target));

        var slow = pair.Client.InvokeAsync<string>("Slow");
        Assert.Equal(3, await pair.Client.InvokeAsync<int>("Add", new object?[] { 1, 2 }).WaitAsync(s_timeout));
        Assert.False(slow.IsCompleted);
        target.Gate.SetResult();

        Assert.Equal("slow done", await slow.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Cancel_SendsCancelRequest_AndTheHandlerObservesIt()
    {
        var target = new SampleTarget();
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(target));
        using var cancel = new CancellationTokenSource();

        var call = pair.Client.InvokeAsync<string>("WaitForCancel", cancellationToken: cancel.Token);
        await Task.Delay(50);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_timeout));
        Assert.True(await target.CancelObserved.Task.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Dispose_FailsPendingCallsWithConnectionLost_AndCancelsHandlers()
    {
        var target = new SampleTarget();
        var pair = ConnectionPair.Create(s => s.AddLocalTarget(target));

        var call = pair.Client.InvokeAsync<string>("WaitForCancel");
        await Task.Delay(50);
        await pair.Client.DisposeAsync().AsTask().WaitAsync(s_timeout);

        await Assert.ThrowsAsync<ConnectionLostException>(() => call.WaitAsync(s_timeout));
        Assert.True(await target.CancelObserved.Task.WaitAsync(s_timeout));
        await pair.Server.Completion.WaitAsync(s_timeout);
        Assert.Equal(JsonRpcCloseReason.EndOfStream, pair.Server.CloseReason);
        await pair.DisposeAsync();
    }

    [Fact]
    public async Task Invoke_AfterClose_ThrowsConnectionLost()
    {
        var pair = ConnectionPair.Create();
        await pair.DisposeAsync();

        await Assert.ThrowsAsync<ConnectionLostException>(() => pair.Client.InvokeAsync("anything").WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_BeyondMaxConcurrentRequests_IsRefusedWithServerBusy_AndLaterCallsSucceed()
    {
        var target = new SampleTarget();
        await using var pair = ConnectionPair.Create(s => s.AddLocalTarget(target), options: new JsonRpcOptions { MaxConcurrentRequests = 1 });

        var slow = pair.Client.InvokeAsync<string>("Slow");
        await Task.Delay(50);
        var busy = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync<int>("Add", new object?[] { 1, 2 }).WaitAsync(s_timeout));
        target.Gate.SetResult();
        await slow.WaitAsync(s_timeout);

        Assert.Equal(JsonRpcErrorCodes.ServerBusy, busy.Code);
        Assert.Equal(3, await pair.Client.InvokeAsync<int>("Add", new object?[] { 1, 2 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_ResultThatCannotBeSerialized_AnswersInternalError()
    {
        await using var pair = ConnectionPair.Create(s => s.AddMethod("badResult", () => typeof(string)));

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync("badResult").WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.InternalError, error.Code);
    }

    [Fact]
    public async Task Invoke_ResultOfTheWrongShape_FailsTheCallerWithJsonException()
    {
        await using var pair = ConnectionPair.Create(s => s.AddMethod("text", () => "not a number"));

        await Assert.ThrowsAsync<JsonException>(() => pair.Client.InvokeAsync<int>("text").WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_WithAPrimitiveAsArguments_ThrowsArgumentExceptionAndSendsNothing()
    {
        await using var pair = ConnectionPair.Create();

        await Assert.ThrowsAsync<ArgumentException>(() => pair.Client.InvokeAsync("x", 5));
        await Assert.ThrowsAsync<ArgumentException>(() => pair.Client.InvokeAsync("x", new List<int> { 1 }));
    }

    [Fact]
    public void AddLocalTarget_AfterListening_Throws()
    {
        var pair = ConnectionPair.Create();

        Assert.Throws<InvalidOperationException>(() => pair.Client.AddLocalTarget(new SampleTarget()));
    }

    [Fact]
    public void AddMethod_WithDuplicateName_Throws()
    {
        var connection = new JsonRpcConnection(new MemoryStream());
        connection.AddMethod("x", () => 1);

        Assert.Throws<ArgumentException>(() => connection.AddMethod("x", () => 2));
    }
}
