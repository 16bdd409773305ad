using System.IO.Pipelines;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>Two connected <see cref="JsonRpcPeer"/>s over in-memory pipes: the fast tier of tests.</summary>
public sealed class ConnectionPair : IAsyncDisposable
{
    private ConnectionPair(JsonRpcPeer client, JsonRpcPeer server, CapturingLogger serverLog)
    {
        Client = client;
        Server = server;
        ServerLog = serverLog;
    }

    public JsonRpcPeer Client { get; }

    public JsonRpcPeer Server { get; }

    /// <summary>What the server connection logged.</summary>
    public CapturingLogger ServerLog { get; }

    public static ConnectionPair Create(Action<JsonRpcPeer>? configureServer = null, Action<JsonRpcPeer>? configureClient = null, JsonRpcOptions? options = null)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var log = new CapturingLogger();
        var server = JsonRpcPeer.Create(toServer.Reader.AsStream(), toClient.Writer.AsStream(), options, log);
        var client = JsonRpcPeer.Create(toClient.Reader.AsStream(), toServer.Writer.AsStream(), options);
        configureServer?.Invoke(server);
        configureClient?.Invoke(client);
        server.StartListening();
        client.StartListening();
        return new ConnectionPair(client, server, log);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
