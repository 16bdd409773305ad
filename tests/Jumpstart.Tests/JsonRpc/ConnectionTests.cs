using System.Text.Json;
using Jumpstart.Shared.Cli;
using Jumpstart.Shared.Errors;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using StreamJsonRpc;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>Two peers over in-memory pipes: binding, errors, cancellation and limits of StreamJsonRpc behind our layer.</summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class ConnectionTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Invoke_WithPositionalArguments_ReturnsTheResult()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        Assert.Equal(5, await pair.Client.InvokeAsync<int>("Add", new object?[] { 2, 3 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_WithNamedArguments_BindsByNameAndFillsDefaults()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        Assert.Equal("hello ada", await pair.Client.InvokeAsync<string>("Greet", new { name = "ada" }).WaitAsync(s_timeout));
        Assert.Equal("hi bo hi bo", await pair.Client.InvokeAsync<string>("Greet", new { times = 2, name = "bo", greeting = "hi" }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_WithFewerPositionalArguments_UsesDefaults()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        Assert.Equal("yo cy", await pair.Client.InvokeAsync<string>("Greet", new object?[] { "cy", "yo" }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_AsyncMethods_AreNamedWithoutTheSuffixAndAwaited()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        Assert.Equal(42L, await pair.Client.InvokeAsync<long>("Multiply", new object?[] { 6, 7 }).WaitAsync(s_timeout));
        Assert.Equal("abc", await pair.Client.InvokeAsync<string>("Echo", new object?[] { "abc" }).WaitAsync(s_timeout));
        await pair.Client.InvokeAsync("Nothing").WaitAsync(s_timeout);
        await pair.Client.InvokeAsync("NothingValue").WaitAsync(s_timeout);
        Assert.Equal("renamed-result", await pair.Client.InvokeAsync<string>("renamed").WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_SingleObjectMethod_DeserializesTheWholeParamsObject()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        var reply = await pair.Client.InvokeAsync<RegisterRequest>("cms.register", new RegisterRequest("i-1", 2, ["a"])).WaitAsync(s_timeout);

        Assert.Equal("i-1", reply.InstanceId);
        Assert.Equal(4, reply.Cores);
        Assert.Equal(["a"], reply.Tags);
    }

    [Fact]
    public async Task Invoke_DelegateMethod_Binds()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcMethod("concat", (string a, string b) => a + b));

        Assert.Equal("xy", await pair.Client.InvokeAsync<string>("concat", new { a = "x", b = "y" }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_LocalRpcException_ReachesTheCallerWithCodeMessageAndData()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync("Fail", new object?[] { "no room" }).WaitAsync(s_timeout));

        Assert.Equal(-32001, error.ErrorCode);
        Assert.Equal("no room", error.Message);
        var data = (JsonElement)error.ErrorData!;
        Assert.Equal("no room", data.GetProperty("reason").GetString());
        Assert.False(data.GetProperty("retry").GetBoolean());
    }

    [Fact]
    public async Task Invoke_HandlerThatThrows_AnswersInternalErrorWithTheExceptionType()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync("Crash").WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.InternalError, error.ErrorCode);
        Assert.Equal("handler bug", error.Message);
        Assert.Equal(typeof(InvalidOperationException).FullName, ((JsonElement)error.ErrorData!).GetProperty("type").GetString());
        Assert.Contains(pair.ServerLog.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("Crash", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invoke_UnknownMethod_ThrowsMethodNotFound()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));

        var error = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => pair.Client.InvokeAsync("nope").WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.MethodNotFound, (int)error.ErrorCode);
    }

    [Theory]
    [InlineData("Add", "[1]")]
    [InlineData("Add", "[1,2,3]")]
    [InlineData("Add", "[\"x\",2]")]
    [InlineData("Greet", "{\"greeting\":\"hi\"}")]
    public async Task Invoke_WithParamsThatDoNotFit_ThrowsInvalidParams(string method, string paramsJson)
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(new SampleTarget()));
        using var document = JsonDocument.Parse(paramsJson);
        object? arguments = document.RootElement.ValueKind == JsonValueKind.Array
            ? document.RootElement.EnumerateArray().Select(e => (object?)e.Clone()).ToArray()
            : document.RootElement.Clone();

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync(method, arguments).WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.InvalidParams, error.ErrorCode);
    }

    [Fact]
    public async Task Notify_RunsTheHandlerWithoutAnAnswer()
    {
        var target = new SampleTarget();
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(target));

        await pair.Client.NotifyAsync("Notify", new object?[] { "ping" }).WaitAsync(s_timeout);

        Assert.Equal("ping", await target.Notified.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ServerToClientCall_OnTheSameConnection_Works()
    {
        await using var pair = ConnectionPair.Create(
            configureServer: s => s.AddLocalRpcMethod("serverSide", (int x) => x),
            configureClient: c => c.AddLocalRpcMethod("clientSide", (int x) => x * 10));

        Assert.Equal(70, await pair.Server.InvokeAsync<int>("clientSide", new object?[] { 7 }).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task SlowHandler_DoesNotBlockOtherCallsOnTheConnection()
    {
        var target = new SampleTarget();
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(target));

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
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(target));
        using var cancel = new CancellationTokenSource();

        var call = pair.Client.InvokeAsync<string>("WaitForCancel", cancellationToken: cancel.Token);
        await target.Started.Task.WaitAsync(s_timeout);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_timeout));
        Assert.True(await target.CancelObserved.Task.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Dispose_FailsPendingCallsWithConnectionLost_AndCancelsHandlers()
    {
        var target = new SampleTarget();
        var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(target));

        var call = pair.Client.InvokeAsync<string>("WaitForCancel");
        await target.Started.Task.WaitAsync(s_timeout);
        await pair.Client.DisposeAsync().AsTask().WaitAsync(s_timeout);

        await Assert.ThrowsAsync<ConnectionLostException>(() => call.WaitAsync(s_timeout));
        Assert.True(await target.CancelObserved.Task.WaitAsync(s_timeout));
        await pair.Server.Completion.WaitAsync(s_timeout);
        await pair.DisposeAsync();
    }

    [Fact]
    public async Task Invoke_AfterClose_ThrowsConnectionLost()
    {
        var pair = ConnectionPair.Create();
        await pair.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => pair.Client.InvokeAsync("anything").WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_AtMaxConcurrentRequests_WaitsForASlot_InsteadOfQueueingWithoutBound()
    {
        var target = new SampleTarget();
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcTarget(target), options: new JsonRpcOptions { MaxConcurrentRequests = 1 });

        var slow = pair.Client.InvokeAsync<string>("Slow");
        await target.Started.Task.WaitAsync(s_timeout);
        var queued = pair.Client.InvokeAsync<int>("Add", new object?[] { 1, 2 });

        // The server reads no further request while its one slot is taken; the call completes once the slot frees.
        Assert.NotSame(queued, await Task.WhenAny(queued, Task.Delay(TimeSpan.FromMilliseconds(300))));
        target.Gate.SetResult();
        Assert.Equal("slow done", await slow.WaitAsync(s_timeout));
        Assert.Equal(3, await queued.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Invoke_JumpstartException_AnswersItsOwnCodeMessageAndData()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcMethod("refuse", new Func<int>(() => throw new SampleAreaException("bad name"))));

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync<int>("refuse").WaitAsync(s_timeout));

        Assert.Equal((-32077, "bad name"), (error.ErrorCode, error.Message));
        Assert.Equal("name", ((JsonElement)error.ErrorData!).GetProperty("field").GetString());
        Assert.Equal(ExitCodes.Usage, ErrorCodeMap.ExitCodeOf(Shared.HostApi.HostErrorCodes.InvalidRequest));
    }

    [Theory]
    [InlineData("keyNotFound")]
    [InlineData("invalidOperation")]
    [InlineData("argument")]
    public async Task Invoke_BuiltInException_IsNeverAnApiCode_ButInternalError(string method)
    {
        await using var pair = ConnectionPair.Create(s =>
        {
            s.AddLocalRpcMethod("keyNotFound", new Func<int>(() => throw new KeyNotFoundException("k")));
            s.AddLocalRpcMethod("invalidOperation", new Func<int>(() => throw new InvalidOperationException("i")));
            s.AddLocalRpcMethod("argument", new Func<int>(() => throw new ArgumentException("a")));
        });

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => pair.Client.InvokeAsync<int>(method).WaitAsync(s_timeout));

        Assert.Equal(JsonRpcErrorCodes.InternalError, error.ErrorCode);
    }

    [Fact]
    public async Task Invoke_ResultOfTheWrongShape_FailsTheCaller()
    {
        await using var pair = ConnectionPair.Create(s => s.AddLocalRpcMethod("text", new Func<string>(() => "not a number")));

        await Assert.ThrowsAnyAsync<Exception>(() => pair.Client.InvokeAsync<int>("text").WaitAsync(s_timeout));
    }

    [Fact]
    public void AddLocalRpcTarget_AfterListening_Throws()
    {
        var pair = ConnectionPair.Create();

        Assert.Throws<InvalidOperationException>(() => pair.Client.AddLocalRpcTarget(new SampleTarget()));
    }

    private sealed class SampleAreaException(string message) : JumpstartException(message)
    {
        public override int RpcCode => -32077;

        public override int ExitCode => ExitCodes.Usage;

        public override object? RpcData => new { field = "name" };
    }
}
