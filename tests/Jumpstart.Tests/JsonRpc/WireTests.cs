using System.Text;
using System.Text.Json;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>
/// Exact bytes in, exact bytes out: the exchanges of JSON-RPC 2.0 §7 and the LSP cancellation
/// extension, replayed against our connection acting as server.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.JsonRpc)]
public sealed class WireTests
{
    private static RawPeer Server() => new(c =>
    {
        c.AddLocalTarget(new SpecExampleTarget());
        c.AddLocalTarget(new SampleTarget());
    });

    [Theory]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}""", """{"jsonrpc":"2.0","id":1,"result":19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}""", """{"jsonrpc":"2.0","id":2,"result":-19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}""", """{"jsonrpc":"2.0","id":3,"result":19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}""", """{"jsonrpc":"2.0","id":4,"result":19}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}""", """{"jsonrpc":"2.0","id":"1","result":7}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "get_data", "id": "9"}""", """{"jsonrpc":"2.0","id":"9","result":["hello",5]}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "foobar", "id": "1"}""", """{"jsonrpc":"2.0","id":"1","error":{"code":-32601,"message":"Method not found: 'foobar'"}}""")]
    [InlineData("""{"jsonrpc": "2.0", "method": "Nothing", "id": null}""", """{"jsonrpc":"2.0","id":null,"result":null}""")]
    public async Task Request_SpecExample_GetsTheExactResponse(string request, string expected)
    {
        await using var peer = Server();

        await peer.SendAsync(request);

        Assert.Equal(expected, await peer.ReceiveAsync());
    }

    [Fact]
    public async Task Notification_GetsNoResponse()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}""");
        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "foobar"}""");
        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": 5}""");

        // The first thing that comes back answers the request: neither notification produced a reply.
        Assert.Equal("""{"jsonrpc":"2.0","id":5,"result":1}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task InvalidJson_GetsParseErrorWithNullId_AndTheConnectionStaysUp()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]""");
        var error = await peer.ReceiveJsonAsync();
        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "subtract", "params": [3, 1], "id": 6}""");

        Assert.Equal(JsonValueKind.Null, error.GetProperty("id").ValueKind);
        Assert.Equal(JsonRpcErrorCodes.ParseError, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("""{"jsonrpc":"2.0","id":6,"result":2}""", await peer.ReceiveAsync());
    }

    [Theory]
    [InlineData("""{"jsonrpc": "2.0", "method": 1, "params": "bar"}""", "null")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "params": "bar", "id": 8}""", "8")]
    [InlineData("""{"method": "subtract", "params": [1, 2], "id": 9}""", "9")]
    [InlineData("""{"jsonrpc": "1.0", "method": "subtract", "params": [1, 2], "id": 10}""", "10")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "id": {"a": 1}}""", "null")]
    [InlineData("""{"jsonrpc": "2.0", "method": "subtract", "id": 1.5}""", "null")]
    [InlineData("1", "null")]
    [InlineData("\"text\"", "null")]
    [InlineData("{}", "null")]
    public async Task InvalidRequest_GetsInvalidRequestError(string request, string expectedId)
    {
        await using var peer = Server();

        await peer.SendAsync(request);
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal(expectedId, reply.GetProperty("id").GetRawText());
        Assert.Equal(JsonRpcErrorCodes.InvalidRequest, reply.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task WrongParams_GetInvalidParams()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": "many"}, "id": 11}""");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal(JsonRpcErrorCodes.InvalidParams, reply.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task EmptyBatch_GetsOneInvalidRequestObject_NotAnArray()
    {
        await using var peer = Server();

        await peer.SendAsync("[]");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal(JsonValueKind.Object, reply.ValueKind);
        Assert.Equal(JsonRpcErrorCodes.InvalidRequest, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task BatchOfNonObjects_GetsOneInvalidRequestPerEntry()
    {
        await using var peer = Server();

        await peer.SendAsync("[1,2,3]");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal(3, reply.GetArrayLength());
        Assert.All(reply.EnumerateArray(), e => Assert.Equal(JsonRpcErrorCodes.InvalidRequest, e.GetProperty("error").GetProperty("code").GetInt32()));
    }

    [Fact]
    public async Task MixedBatch_AnswersEveryRequestInOneArray_AndNoNotification()
    {
        await using var peer = Server();

        // JSON-RPC 2.0 §7, "rpc call Batch".
        await peer.SendAsync("""
            [
                {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
                {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
                {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
                {"foo": "boo"},
                {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
                {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
            ]
            """);
        var reply = await peer.ReceiveAsync();

        Assert.Equal(
            """[{"jsonrpc":"2.0","id":"1","result":7},{"jsonrpc":"2.0","id":"2","result":19},"""
            + """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: a message needs a method (request) or a result or error (response)"}},"""
            + """{"jsonrpc":"2.0","id":"5","error":{"code":-32601,"message":"Method not found: 'foo.get'"}},"""
            + """{"jsonrpc":"2.0","id":"9","result":["hello",5]}]""",
            reply);
    }

    [Fact]
    public async Task AllNotificationBatch_GetsNothingBack()
    {
        await using var peer = Server();

        await peer.SendAsync("""[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]""");
        await peer.SendAsync("""{"jsonrpc": "2.0", "method": "subtract", "params": [1, 1], "id": 12}""");

        Assert.Equal("""{"jsonrpc":"2.0","id":12,"result":0}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task BatchOverTheLimit_GetsOneInvalidRequest()
    {
        await using var peer = new RawPeer(c => c.AddLocalTarget(new SpecExampleTarget()), new JsonRpcOptions { MaxBatchLength = 2 });

        await peer.SendAsync("""[{"jsonrpc":"2.0","method":"get_data","id":1},{"jsonrpc":"2.0","method":"get_data","id":2},{"jsonrpc":"2.0","method":"get_data","id":3}]""");
        var reply = await peer.ReceiveJsonAsync();

        Assert.Equal(JsonValueKind.Object, reply.ValueKind);
        Assert.Equal(JsonRpcErrorCodes.InvalidRequest, reply.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task CancelRequest_AnswersTheCancelledCallWithRequestCancelled()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":7,"method":"WaitForCancel"}""");
        await Task.Delay(50);
        await peer.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}""");

        Assert.Equal("""{"jsonrpc":"2.0","id":7,"error":{"code":-32800,"message":"Request cancelled"}}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task CancelRequest_InTheSameWriteAsItsRequest_StillCancels()
    {
        await using var peer = Server();

        await peer.SendBytesAsync([
            .. RawPeer.Frame("""{"jsonrpc":"2.0","id":8,"method":"WaitForCancel"}"""),
            .. RawPeer.Frame("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":8}}"""),
        ]);

        Assert.Equal("""{"jsonrpc":"2.0","id":8,"error":{"code":-32800,"message":"Request cancelled"}}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task CancelRequest_ForAnUnknownId_IsIgnored()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":404}}""");
        await peer.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":{"nested":true}}}""");
        await peer.SendAsync("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}""");

        Assert.Equal("""{"jsonrpc":"2.0","id":1,"result":2}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task ResponseForAnUnknownId_IsIgnored()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":99,"result":1}""");
        await peer.SendAsync("""{"jsonrpc":"2.0","id":"x","error":{"code":1,"message":"m"}}""");
        await peer.SendAsync("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}""");

        Assert.Equal("""{"jsonrpc":"2.0","id":1,"result":2}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task CancelRequest_ForAStringId_Works()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":"c-1","method":"WaitForCancel"}""");
        await Task.Delay(50);
        await peer.SendAsync("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"c-1"}}""");

        Assert.Equal("""{"jsonrpc":"2.0","id":"c-1","error":{"code":-32800,"message":"Request cancelled"}}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task ApplicationError_CarriesCodeMessageAndData()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":3,"method":"Fail","params":["disk full"]}""");

        Assert.Equal("""{"jsonrpc":"2.0","id":3,"error":{"code":-32001,"message":"disk full","data":{"reason":"disk full","retry":false}}}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task OutgoingCall_IsWrittenExactly_AndAnErrorAnswerBecomesRemoteInvocationException()
    {
        await using var peer = new RawPeer();

        var call = peer.Connection.InvokeAsync<int>("peer.method", new { instanceId = "i-1", count = 2 });
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"peer.method","params":{"instanceId":"i-1","count":2}}""", await peer.ReceiveAsync());
        await peer.SendAsync("""{"jsonrpc":"2.0","id":1,"error":{"code":-32050,"message":"no such instance","data":{"known":["i-2"]}}}""");

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(-32050, error.Code);
        Assert.Equal("no such instance", error.Message);
        Assert.Equal("i-2", error.ErrorData!.Value.GetProperty("known")[0].GetString());
    }

    [Fact]
    public async Task OutgoingCall_Positional_IsWrittenExactly_AndCancellationSendsCancelRequest()
    {
        await using var peer = new RawPeer();
        using var cancel = new CancellationTokenSource();

        var call = peer.Connection.InvokeAsync<int>("slow", new object?[] { 1, "two", null }, cancel.Token);
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"slow","params":[1,"two",null]}""", await peer.ReceiveAsync());
        await cancel.CancelAsync();

        Assert.Equal("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}""", await peer.ReceiveAsync());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Notification_IsWrittenWithoutId()
    {
        await using var peer = new RawPeer();

        await peer.Connection.NotifyAsync("progress", new { percent = 50 });

        Assert.Equal("""{"jsonrpc":"2.0","method":"progress","params":{"percent":50}}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task RequestDeliveredOneByteAtATime_IsAnswered()
    {
        await using var peer = Server();

        foreach (var b in RawPeer.Frame("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}"""))
        {
            await peer.SendBytesAsync([b]);
        }

        Assert.Equal("""{"jsonrpc":"2.0","id":1,"result":2}""", await peer.ReceiveAsync());
    }

    [Fact]
    public async Task OversizedContentLength_ClosesTheConnection_WithoutWaitingForTheBody()
    {
        await using var peer = new RawPeer(c => c.AddLocalTarget(new SpecExampleTarget()), new JsonRpcOptions { MaxMessageBytes = 1024 });

        await peer.SendBytesAsync(Encoding.ASCII.GetBytes("Content-Length: 1073741824\r\n\r\n{"));

        Assert.True(await peer.SeesEndOfStreamAsync());
        Assert.Equal(JsonRpcCloseReason.FramingError, peer.Connection.CloseReason);
        Assert.Contains(peer.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("1073741824", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EndlessHeader_ClosesTheConnection()
    {
        await using var peer = new RawPeer(options: new JsonRpcOptions { MaxHeaderBytes = 256 });

        await peer.SendBytesAsync(Encoding.ASCII.GetBytes("X-Junk: " + new string('z', 1000)));

        Assert.True(await peer.SeesEndOfStreamAsync());
        Assert.Equal(JsonRpcCloseReason.FramingError, peer.Connection.CloseReason);
    }

    [Theory]
    [InlineData("Content-Len")]
    [InlineData("Content-Length: 40\r\n")]
    [InlineData("Content-Length: 40\r\n\r\n{\"jsonrpc\":")]
    public async Task EndOfStreamInsideAMessage_ClosesCleanly(string partial)
    {
        await using var peer = Server();

        await peer.SendBytesAsync(Encoding.ASCII.GetBytes(partial));
        await peer.CloseAsync();

        Assert.True(await peer.SeesEndOfStreamAsync());
        await peer.Connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(JsonRpcCloseReason.TruncatedMessage, peer.Connection.CloseReason);
    }

    [Fact]
    public async Task EndOfStreamBetweenMessages_IsANormalClose()
    {
        await using var peer = Server();

        await peer.SendAsync("""{"jsonrpc":"2.0","id":1,"method":"subtract","params":[5,3]}""");
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"result":2}""", await peer.ReceiveAsync());
        await peer.CloseAsync();

        await peer.Connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(JsonRpcCloseReason.EndOfStream, peer.Connection.CloseReason);
    }
}
