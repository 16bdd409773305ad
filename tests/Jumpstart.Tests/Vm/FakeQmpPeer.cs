using System.Net.Sockets;
using System.Text;

namespace Jumpstart.Tests.Vm;

/// <summary>
/// A unix-socket server that plays a misbehaving QMP peer: it sends scripted lines and reads
/// whatever arrives, so the client's protocol checks and timeouts can be tested without QEMU.
/// </summary>
public sealed class FakeQmpPeer : IAsyncDisposable
{
    public const string Greeting = """{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": ["oob"]}}""";

    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Task _serve;
    private readonly CancellationTokenSource _stop = new();

    /// <param name="path">Where to listen.</param>
    /// <param name="script">Answers each received line (null: stay silent); the greeting goes first.</param>
    /// <param name="greeting">The first bytes sent.</param>
    public FakeQmpPeer(string path, Func<string, string?> script, string greeting = Greeting + "\n")
    {
        Path = path;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        _serve = ServeAsync(script, greeting);
    }

    public string Path { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _serve;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task ServeAsync(Func<string, string?> script, string greeting)
    {
        using var socket = await _listener.AcceptAsync(_stop.Token);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(greeting), _stop.Token);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (script(line) is { } answer)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(answer + "\n"), _stop.Token);
            }
        }
    }
}
