using System.IO.Pipelines;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>Two connected <see cref="JsonRpcConnection"/>s over in-memory pipes: the fast tier of tests.</summary>
public sealed class ConnectionPair : IAsyncDisposable
{
    private ConnectionPair(JsonRpcConnection client, JsonRpcConnection server)
    {
        Client = client;
        Server = server;
    }

    public JsonRpcConnection Client { get; }

    public JsonRpcConnection Server { get; }

    public static ConnectionPair Create(Action<JsonRpcConnection>? configureServer = null, Action<JsonRpcConnection>? configureClient = null, JsonRpcOptions? options = null)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var server = new JsonRpcConnection(toServer.Reader.AsStream(), toClient.Writer.AsStream(), options);
        var client = new JsonRpcConnection(toClient.Reader.AsStream(), toServer.Writer.AsStream(), options);
        configureServer?.Invoke(server);
        configureClient?.Invoke(client);
        server.StartListening();
        client.StartListening();
        return new ConnectionPair(client, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
