using System.Net;
using System.Net.Sockets;
using Jumpstart.Shared.Cms;
using Jumpstart.Shared.JsonRpc;
using Jumpstart.Shared.Metadata;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace Jumpstart.Guestd.Cms;

/// <summary>
/// A stand-in CMS on the guest's loopback for the template's warm-up: one connection, canned answers to
/// <c>cms.register</c>, <c>cms.wait</c> and <c>cms.report</c>. <see cref="ExchangeAsync"/> runs a clone's whole
/// exchange against it through the real <see cref="CmsClient"/> (TCP connect, StreamJsonRpc, every contract's
/// serialization), so that code is compiled in the template's memory and a clone's first exchange with the real CMS
/// runs warm: before, a clone's register step took 4-7 s of TCG CPU, most of it first-call compilation.
/// </summary>
public sealed class LoopbackCms
{
    private const string WarmUpDeployment = "warm-up";
    private const string WarmUpRole = "warm-up";

    /// <summary>Register, wait for the assignment, report configured and ready: what a clone does, against the stand-in.</summary>
    public static async Task ExchangeAsync(string instanceId, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(1);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = ServeOneAsync(listener, cancellationToken);
        var token = "warm-up";
        var retry = new CmsRetryPolicy { Budget = TimeSpan.FromSeconds(30) };
        await using (var client = new CmsClient(new CmsEndpoint { Host = IPAddress.Loopback.ToString(), Port = port, Token = token }, retry, loggerFactory.CreateLogger<CmsClient>()))
        {
            var register = new RegisterRequest { DeploymentId = WarmUpDeployment, InstanceId = instanceId, Token = token, Hostname = "warm-up", Addresses = ["127.0.0.1"], Rank = 1 };
            await client.RegisterAsync(register, cancellationToken);
            await client.WaitAsync(new WaitRequest { DeploymentId = WarmUpDeployment, InstanceId = instanceId, Token = token, ForAssignment = true, TimeoutMs = 1000 }, cancellationToken);
            await client.ReportAsync(new ReportRequest { DeploymentId = WarmUpDeployment, InstanceId = instanceId, Token = token, Phase = InstancePhase.Configured }, cancellationToken);
            await client.ReportAsync(new ReportRequest { DeploymentId = WarmUpDeployment, InstanceId = instanceId, Token = token, Phase = InstancePhase.Ready }, cancellationToken);
        }

        await serve;
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
        private static RoleAssignment Assignment => new() { Role = WarmUpRole, MasterAddress = "127.0.0.1", Variables = new Dictionary<string, string> { ["WARM_UP"] = "1" } };

        [JsonRpcMethod(CmsMethods.Register, UseSingleObjectParameterDeserialization = true)]
        public RoleAssignment Register(RegisterRequest request) => Assignment;

        [JsonRpcMethod(CmsMethods.Wait, UseSingleObjectParameterDeserialization = true)]
        public WaitResult Wait(WaitRequest request) => new() { Satisfied = true, Assignment = Assignment };

        [JsonRpcMethod(CmsMethods.Report, UseSingleObjectParameterDeserialization = true)]
        public object? Report(ReportRequest request) => null;
    }
}
