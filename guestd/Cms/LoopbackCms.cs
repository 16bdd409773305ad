using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Metadata;
using StreamJsonRpc;

namespace Jumpstart.Guestd.Cms;

/// <summary>
/// A stand-in CMS on the guest's loopback for the template's warm-up: one connection, canned answers to
/// <c>cms.register</c> (pending, as a worker waiting for its master), <c>cms.wait</c> (the complete assignment: a role
/// file and a no-op command) and <c>cms.report</c>. The warm-up points the engine at it (<see cref="Endpoint"/>), so a
/// clone's whole CMS path runs in the template (TCP connect, StreamJsonRpc, every contract's serialization, the wait
/// loop, the role's file and command, the reports, the disconnect) and is compiled in the memory every clone inherits:
/// under TCG a clone that compiles it pays hundreds of milliseconds.
/// </summary>
public sealed class LoopbackCms : IAsyncDisposable
{
    public const string DeploymentId = "warm-up";
    private const string WarmUpRole = "warm-up";
    private const string Token = "warm-up";

    /// <summary>Where the canned role writes, under the warm-up's scratch root.</summary>
    public const string RoleFilePath = "/etc/jumpstart/warm-up-role.env";

    private readonly TcpListener _listener;
    private readonly Task _serving;

    private LoopbackCms(TcpListener listener, CancellationToken cancellationToken)
    {
        _listener = listener;
        _serving = ServeOneAsync(listener, cancellationToken);
        Endpoint = new CmsEndpoint { Host = IPAddress.Loopback.ToString(), Port = ((IPEndPoint)listener.LocalEndpoint).Port, Token = Token };
    }

    /// <summary>The endpoint to put in the warm-up's metadata.</summary>
    public CmsEndpoint Endpoint { get; }

    /// <summary>Listens on an ephemeral loopback port and serves the first connection.</summary>
    public static LoopbackCms Start(CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(1);
        return new LoopbackCms(listener, cancellationToken);
    }

    /// <summary>Stops listening and waits for the connection it served to end (the engine closed it).</summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Stopped before the engine connected: the engine's own error says why.
        }

        _listener.Dispose();
    }

    private static async Task ServeOneAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        using var socket = await listener.AcceptSocketAsync(cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await using var peer = JsonRpcPeer.Create(stream);
        peer.AddLocalRpcTarget(new Target());
        peer.StartListening();
        await peer.Completion.WaitAsync(cancellationToken);
    }

    /// <summary>The canned answers.</summary>
    private sealed class Target
    {
        private static RoleAssignment Assignment(bool pending) => new()
        {
            Role = WarmUpRole,
            MasterAddress = "127.0.0.1",
            Pending = pending,
            Variables = new Dictionary<string, string> { ["WARM_UP"] = "1" },
            Configuration = pending
                ? new RoleConfiguration()
                : new RoleConfiguration
                {
                    Files = [new RoleFile { Path = RoleFilePath, Mode = "0644", Content = "ROLE=warm-up\n" }],
                    Commands = [["/bin/sh", "-c", ": jumpstart warm-up"]],
                },
        };

        [JsonRpcMethod(CmsMethods.Register, UseSingleObjectParameterDeserialization = true)]
        public RoleAssignment Register(RegisterRequest request) => Assignment(pending: true);

        [JsonRpcMethod(CmsMethods.Wait, UseSingleObjectParameterDeserialization = true)]
        public WaitResult Wait(WaitRequest request) => new() { Satisfied = true, Assignment = Assignment(pending: false) };

        [JsonRpcMethod(CmsMethods.Report, UseSingleObjectParameterDeserialization = true)]
        public object? Report(ReportRequest request) => null;
    }
}
