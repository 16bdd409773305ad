using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Jumpstart.Shared.JsonRpc;
using Xunit;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>
/// A test-side peer that writes exact bytes to one of our connections and reads its replies as
/// text, frame by frame: wire compatibility asserted byte for byte, independent of our own writer.
/// </summary>
public sealed class RawPeer : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private readonly Pipe _toConnection = new();
    private readonly Pipe _fromConnection = new();
    private readonly Stream _replies;

    public RawPeer(Action<JsonRpcPeer>? configure = null, JsonRpcOptions? options = null)
    {
        Connection = JsonRpcPeer.Create(_toConnection.Reader.AsStream(), _fromConnection.Writer.AsStream(), options, Log);
        configure?.Invoke(Connection);
        Connection.StartListening();
        _replies = _fromConnection.Reader.AsStream();
    }

    public JsonRpcPeer Connection { get; }

    /// <summary>What the connection logged.</summary>
    public CapturingLogger Log { get; } = new();

    public static byte[] Frame(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return [.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body];
    }

    public Task SendAsync(string json) => SendBytesAsync(Frame(json));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _toConnection.Writer.WriteAsync(bytes);
    }

    /// <summary>Ends the stream towards the connection (the peer hung up).</summary>
    public Task CloseAsync() => _toConnection.Writer.CompleteAsync().AsTask();

    /// <summary>Reads one reply frame and returns its body text; fails after a bounded wait.</summary>
    public async Task<string> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await _replies.ReadAsync(one, timeout.Token);
            Assert.True(read == 1, $"connection closed while a reply header was expected (got '{header}')");
            header.Append((char)one[0]);
        }

        var prefix = "Content-Length: ";
        Assert.StartsWith(prefix, header.ToString(), StringComparison.Ordinal);
        var length = int.Parse(header.ToString()[prefix.Length..^4], System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await _replies.ReadExactlyAsync(body, timeout.Token);
        return Encoding.UTF8.GetString(body);
    }

    public async Task<JsonElement> ReceiveJsonAsync()
    {
        using var document = JsonDocument.Parse(await ReceiveAsync());
        return document.RootElement.Clone();
    }

    /// <summary>True when the connection closes its output within the bounded wait.</summary>
    public async Task<bool> SeesEndOfStreamAsync()
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        var buffer = new byte[4096];
        while (await _replies.ReadAsync(buffer, timeout.Token) > 0)
        {
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
    }
}
