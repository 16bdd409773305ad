using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>
/// Exact bytes in, JSON out: the exchanges of JSON-RPC 2.0 §7 and the LSP cancellation extension, replayed against
/// StreamJsonRpc behind our framing acting as server; and what our client writes, read back as JSON.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class WireTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    private static RawPeer Server(SampleTarget? sample = null) => new(c =>
    {
        c.AddLocalRpcTarget(new SpecExampleTarget());
        c.AddLocalRpcTarget(sample ?? new SampleTarget());
    });

    private static void AssertJson(string expected, string actual)
        => Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");

    [Theory]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}""", """{"jsonrpc":"2.0","id":1,"result":19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}""", """{"jsonrpc":"2.0","id":2,"result":-19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}""", """{"jsonrpc":"2.0","id":3,"result":19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}""", """{"jsonrpc":"2.0","id":4,"result":19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "get_data", "id": "9"}""", """{"jsonrpc":"2.0","id":"9","result":["hello",5]}""")]
    public async Task Request_SpecExample_GetsTheSpecsResponse(string request, string expected)
    {
        await using var peer = Server();

        await peer.SendAsync(request);

        AssertJson(expected, await peer.ReceiveAsync());
    }

    [Fact]
    public async Task UnknownMethod_GetsMethodNotFound_WithTheRequestsId()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "foobar", "id": "1"}""");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal("1", reply.GetProperty("id").GetString());
        Assert.Equal(JsonRpcErrorCodes.MethodNotFound, reply.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Notification_GetsNoResponse()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}""");
        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "foobar"}""");
        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": 5}""");

        // The first thing that comes back answers the request: neither notification produced a reply.
        AssertJson("""{"jsonrpc":"2.0","id":5,"result":1}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task WrongParams_GetInvalidParams()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": "many"}, "id": 11}""");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal(11, reply.GetProperty("id").GetInt32());
        Assert.Equal(JsonRpcErrorCodes.InvalidParams, reply.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task InvalidJson_ClosesTheConnection()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]""");

        Assert.True(await peer.SeesEndOfStreamAsync());
    }

    [Fact]
    public async Task CancelRequest_AnswersTheCancelledCallWithRequestCancelled()
    {
        var sample = new SampleTarget();
        await using var peer = Server(sample);

        await peer.SendAsync("""{"jsonrpc":"2.0","id":7,"method":"WaitForCancel"}""");
        await sample.Started.Task.WaitAsync(s_bound);
        await peer.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}""");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal(7, reply.GetProperty("id").GetInt32());
        Assert.Equal(JsonRpcErrorCodes.RequestCancelled, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.True(await sample.CancelObserved.Task.WaitAsync(s_bound));
    }

    [Fact]
    public async Task CancelRequest_ForAStringId_Works()
    {
        var sample = new SampleTarget();
        await using var peer = Server(sample);

        await peer.SendAsync("""{"jsonrpc":"2.0","id":"c-1","method":"WaitForCancel"}""");
        await sample.Started.Task.WaitAsync(s_bound);
        await peer.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"c-1"}}""");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal("c-1", reply.GetProperty("id").GetString());
        Assert.Equal(JsonRpcErrorCodes.RequestCancelled, reply.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task CancelRequest_ForAnUnknownId_IsIgnored()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":404}}""");
        await peer.SendAsync("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}""");

        AssertJson("""{"jsonrpc":"2.0","id":1,"result":2}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task ResponseForAnUnknownId_IsAProtocolViolation_AndClosesTheConnection()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":99,"result":1}""");

        Assert.True(await peer.SeesEndOfStreamAsync());
    }

    [Fact]
    public async Task ApplicationError_CarriesCodeMessageAndData()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":3,"method":"Fail","params":["disk full"]}""");

        AssertJson("""{"jsonrpc":"2.0","id":3,"error":{"code":-32001,"message":"disk full","data":{"reason":"disk full","retry":false}}}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task HandlerBug_IsInternalError_WithTheExceptionType_AndIsLogged()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":4,"method":"Crash"}""");

        AssertJson("""{"jsonrpc":"2.0","id":4,"error":{"code":-32603,"message":"handler bug","data":{"type":"System.InvalidOperationException"}}}""", await peer.ReceiveAsync());
        Assert.Contains(peer.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Crash", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OutgoingCall_IsWrittenAsNamedParams_AndAnErrorAnswerBecomesRemoteInvocationException()
    {
        await using var peer = new RawPeer();

        var call = peer.Connection.InvokeAsync<int>("peer.method", new { instanceId = "i-1", count = 2 });
        var request = await peer.ReceiveJsonAsync();
        Assert.Equal("peer.method", request.GetProperty("method").GetString());
        AssertJson("""{"instanceId":"i-1","count":2}""", request.GetProperty("params").GetRawText());
        var id = request.GetProperty("id").GetRawText();
        await peer.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id + ""","error":{"code":-32050,"message":"no such instance","data":{"known":["i-2"]}}}""");

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => call.WaitAsync(s_bound));
        Assert.Equal(-32050, error.ErrorCode);
        Assert.Equal("no such instance", error.Message);
        Assert.Equal("i-2", ((JsonElement)error.ErrorData!).GetProperty("known")[0].GetString());
    }

    [Fact]
    public async Task OutgoingCall_Positional_IsWrittenAsAnArray_AndCancellationSendsCancelRequest()
    {
        await using var peer = new RawPeer();
        using var cancel = new CancellationTokenSource();

        var call = peer.Connection.InvokeAsync<int>("slow", new object?[] { 1, "two", null }, cancel.Token);
        var request = await peer.ReceiveJsonAsync();
        AssertJson("""[1,"two",null]""", request.GetProperty("params").GetRawText());
        await cancel.CancelAsync();

        var notice = await peer.ReceiveJsonAsync();
        Assert.Equal("$/cancelRequest", notice.GetProperty("method").GetString());
        var id = request.GetProperty("id").GetRawText();
        Assert.Equal(id, notice.GetProperty("params").GetProperty("id").GetRawText());

        // The call ends when the peer answers the cancelled request (LSP: a cancelled request still gets a response).
        await peer.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id + ""","error":{"code":-32800,"message":"cancelled"}}""");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(s_bound));
    }

    [Fact]
    public async Task Notification_IsWrittenWithoutId()
    {
        await using var peer = new RawPeer();

        await peer.Connection.NotifyAsync("progress", new object?[] { new { percent = 50 } });

        var notice = await peer.ReceiveJsonAsync();
        Assert.False(notice.TryGetProperty("id", out _));
        AssertJson("""[{"percent":50}]""", notice.GetProperty("params").GetRawText());
    }

    [Fact]
    public async Task RequestDeliveredOneByteAtATime_IsAnswered()
    {
        await using var peer = Server();

        foreach (var b in RawPeer.Frame("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}"""))
        {
            await peer.SendBytesAsync([b]);
        }

        AssertJson("""{"jsonrpc":"2.0","id":1,"result":2}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task TwoFramesInOneWrite_AreBothAnswered()
    {
        await using var peer = Server();

        await peer.SendBytesAsync([
            .. RawPeer.Frame("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}"""),
            .. RawPeer.Frame("""{"jsonrpc":"2.0","id":2,"method":"subtract","params":[9,3]}"""),
        ]);

        var answers = new[] { await peer.ReceiveJsonAsync(), await peer.ReceiveJsonAsync() }.OrderBy(a => a.GetProperty("id").GetInt32()).ToArray();
        Assert.Equal((2, 6), (answers[0].GetProperty("result").GetInt32(), answers[1].GetProperty("result").GetInt32()));
    }

    [Fact]
    public async Task OversizedContentLength_ClosesTheConnection_WithoutWaitingForTheBody()
    {
        await using var peer = new RawPeer(c => c.AddLocalRpcTarget(new SpecExampleTarget()), new JsonRpcOptions { MaxMessageBytes = 1024 });

        await peer.SendBytesAsync(Encoding.ASCII.GetBytes("Content-Length: 1073741824\r\n\r\n{"));

        Assert.True(await peer.SeesEndOfStreamAsync());
        Assert.IsType<Shared.JsonRpc.Framing.JsonRpcFramingException>(peer.Connection.Handler.Violation);
        await WaitForLogAsync(peer, "1073741824");
    }

    [Fact]
    public async Task EndlessHeader_ClosesTheConnection()
    {
        await using var peer = new RawPeer(options: new JsonRpcOptions { MaxHeaderBytes = 256 });

        await peer.SendBytesAsync(Encoding.ASCII.GetBytes("X-Junk: " + new string('z', 1000)));

        Assert.True(await peer.SeesEndOfStreamAsync());
        Assert.NotNull(peer.Connection.Handler.Violation);
    }

    [Theory]
    [InlineData("Content-Len")]
    [InlineData("Content-Length: 40\r\n")]
    [InlineData("Content-Length: 40\r\n\r\n{\"jsonrpc\":")]
    public async Task EndOfStreamInsideAMessage_ClosesTheConnection(string partial)
    {
        await using var peer = Server();

        await peer.SendBytesAsync(Encoding.ASCII.GetBytes(partial));
        await peer.CloseAsync();

        Assert.True(await peer.SeesEndOfStreamAsync());
        await Assert.ThrowsAnyAsync<Exception>(() => peer.Connection.Completion.WaitAsync(s_bound));
    }

    [Fact]
    public async Task EndOfStreamBetweenMessages_IsANormalClose()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}""");
        AssertJson("""{"jsonrpc":"2.0","id":1,"result":2}""", await peer.ReceiveAsync());
        await peer.CloseAsync();

        await peer.Connection.Completion.WaitAsync(s_bound);
    }

    private static async Task WaitForLogAsync(RawPeer peer, string text)
    {
        // The Disconnected event that logs is raised before the connection's Completion settles.
        await peer.Connection.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(s_bound);
        Assert.Contains(peer.Log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(text, StringComparison.Ordinal));
    }

    [Fact]
    public void Formatters_ShareOneSerializerOptions_SoMetadataIsBuiltOncePerProcess()
    {
        // The CMS's registration rate depends on it (JsonRpcWire's remarks); a StreamJsonRpc upgrade that renames the
        // formatter's options field makes this fail instead of silently costing 1.5 ms per connection again.
        Assert.True(JsonRpcWire.SharesOptionsAcrossConnections);

        var first = JsonRpcWire.CreateFormatter();
        var second = JsonRpcWire.CreateFormatter();

        Assert.Same(JsonRpcWire.SerializerOptions, first.JsonSerializerOptions);
        Assert.Same(first.JsonSerializerOptions, second.JsonSerializerOptions);
        Assert.NotSame(first, second);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("\"c-1\"")]
    [InlineData("null")]
    public void RequestId_RoundTripsThroughTheSharedOptions(string json)
    {
        var id = JsonSerializer.Deserialize<RequestId>(json, JsonRpcWire.SerializerOptions);

        Assert.Equal(json, JsonSerializer.Serialize<object>(id, JsonRpcWire.SerializerOptions));
    }
}
