using System.Net.Sockets;
using System.Text.Json;
using Jumpstart.Hostd.Api;
using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Hostd.Cluster.Transport;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.HostApi;
using Jumpstart.Shared.JsonRpc;
using Microsoft.Extensions.Logging;

namespace Jumpstart.Hostd.Cluster.Remote;

/// <summary>
/// Remote control (issue 14 section 4): a control-socket call that runs on another host of the cluster, relayed hop by
/// hop, each hop on its own connection: CLI -> local hostd (<see cref="RemoteControlMethods.Invoke"/> on the control
/// socket) -> manager (<see cref="RemoteControlMethods.Relay"/> on <see cref="ClusterProtocols.Control"/>) -> target
/// (<see cref="RemoteControlMethods.Run"/>, accepted from the manager's certificate only), which runs it against its
/// own control socket, so every method, check and progress note is exactly the local one. Progress notes travel back
/// on each hop before the answer; the answer (result or error: code, message, data) comes back unchanged; cancelling
/// a hop's call cancels the next hop's.
/// </summary>
internal sealed class RemoteControl(ClusterTransport transport, ClusterRpc rpc, ClusterMembership membership, Func<IReadOnlyList<ManagerAddress>> managers, ClusterOptions options, string controlSocketPath, ILogger logger)
{
    /// <summary>
    /// The largest params or result a relayed call carries: a cluster message (<see cref="ClusterLimits.MaxRpcMessageBytes"/>)
    /// less room for the envelope it travels in.
    /// </summary>
    public const int MaxRelayedBytes = ClusterLimits.MaxRpcMessageBytes - EnvelopeBytes;

    /// <summary>Room for the JSON-RPC envelope, the method and the host name around relayed params or a result.</summary>
    private const int EnvelopeBytes = 16 * 1024;

    /// <summary>This host's name in the cluster.</summary>
    public string Name => membership.Name;

    private bool IsManager => membership.Role == ClusterRoles.Manager;

    /// <summary>The origin's step (control socket, <see cref="RemoteControlMethods.Invoke"/>): to the manager, or straight to the target on the manager.</summary>
    /// <exception cref="ClusterRequestException">A malformed request, or one that would relay a relay.</exception>
    /// <exception cref="ClusterUnreachableException">The manager cannot be reached.</exception>
    public async Task<JsonElement> InvokeAsync(ClusterInvokeRequest request, JsonRpcPeer caller, CancellationToken cancellationToken)
    {
        Check(request);
        return IsManager
            ? await RelayAsync(request, caller, Name, cancellationToken)
            : await ThroughAManagerAsync(_ => request, caller, cancellationToken);
    }

    /// <summary>
    /// A member's call of a method any manager serves (the cluster's deployments: a follower reads the shared store and
    /// passes writes to the leader): run on the first manager that answers, not on a manager named beforehand, which may
    /// be the one that died.
    /// </summary>
    /// <exception cref="ClusterNotManagerException">This host is a manager (it runs such a call itself).</exception>
    /// <exception cref="ClusterUnreachableException">No manager can be reached.</exception>
    public async Task<JsonElement> InvokeOnAManagerAsync(string method, JsonElement? parameters, JsonRpcPeer caller, CancellationToken cancellationToken)
    {
        if (IsManager)
        {
            throw new ClusterNotManagerException("this host is a manager: it runs the call itself");
        }

        return await ThroughAManagerAsync(manager => new ClusterInvokeRequest { Host = manager.Name, Method = method, Params = parameters }, caller, cancellationToken);
    }

    /// <summary>The member's step: the request <paramref name="requestFor"/> makes for the first manager that takes the connection.</summary>
    private async Task<JsonElement> ThroughAManagerAsync(Func<ManagerAddress, ClusterInvokeRequest> requestFor, JsonRpcPeer caller, CancellationToken cancellationToken)
    {
        // Every manager relays; the first one that answers the connection does (several on etcd: fail over).
        var failures = new List<string>();
        foreach (var manager in managers())
        {
            ClusterConnection connection;
            try
            {
                connection = await transport.ConnectAsync(ClusterTransport.ParseEndPoint(manager.Endpoint, "manager endpoint"), manager.Name, ClusterProtocols.Control, cancellationToken);
            }
            catch (ClusterUnreachableException ex)
            {
                failures.Add($"{manager.Name}: {ex.Message}");
                continue;
            }

            var request = requestFor(manager);
            Check(request);
            return await ForwardAsync(connection, RemoteControlMethods.Relay, request, new NotifyingProgress(caller), $"the manager {manager.Name}", cancellationToken);
        }

        throw new ClusterUnreachableException($"no manager can be reached ({string.Join("; ", failures)})");
    }

    /// <summary>The manager's step (<see cref="RemoteControlMethods.Relay"/>): run it here when this is the target, else pass it to the target.</summary>
    /// <exception cref="ClusterNotManagerException">This host is not the manager.</exception>
    /// <exception cref="ClusterNotFoundException">No host of that name.</exception>
    /// <exception cref="ClusterUnreachableException">The target cannot be reached.</exception>
    public Task<JsonElement> RelayAsync(ClusterInvokeRequest request, JsonRpcPeer caller, string from, CancellationToken cancellationToken)
        => RelayAsync(request, new NotifyingProgress(caller), from, cancellationToken);

    /// <summary>
    /// The manager's own call of a control-socket method on a host of the cluster (this one included), as a relayed call
    /// from an operator would run it; its progress notes go to <paramref name="progress"/>.
    /// </summary>
    /// <exception cref="ClusterNotManagerException">This host is not the manager.</exception>
    /// <exception cref="ClusterNotFoundException">No host of that name.</exception>
    /// <exception cref="ClusterUnreachableException">The host cannot be reached, or closed the connection before it answered.</exception>
    /// <exception cref="StreamJsonRpc.LocalRpcException">The method failed on the host: its code, message and data.</exception>
    public Task<JsonElement> CallAsync(string host, string method, object? parameters, IProgress<ProgressNote>? progress, CancellationToken cancellationToken)
    {
        var request = new ClusterInvokeRequest
        {
            Host = host,
            Method = method,
            Params = parameters is null ? null : JsonSerializer.SerializeToElement(parameters, JsonRpcWire.SerializerOptions),
        };
        return RelayAsync(request, new PassingProgress(progress), Name, cancellationToken);
    }

    private async Task<JsonElement> RelayAsync(ClusterInvokeRequest request, IOrderedProgress progress, string from, CancellationToken cancellationToken)
    {
        Check(request);
        if (!IsManager)
        {
            throw new ClusterNotManagerException($"this host is a member; the manager is {membership.ManagerName}: relay through it");
        }

        RemoteControlLog.Relayed(logger, request.Method, from, request.Host);
        if (HostNames.Same(request.Host, Name))
        {
            return await RunAsync(request, progress, cancellationToken);
        }

        ClusterConnection connection;
        try
        {
            connection = await transport.ConnectAsync(request.Host, ClusterProtocols.Control, cancellationToken);
        }
        catch (ClusterUnreachableException ex)
        {
            throw new ClusterUnreachableException($"{request.Host} cannot be reached: {ex.Message}", ex);
        }

        return await ForwardAsync(connection, RemoteControlMethods.Run, request, progress, request.Host, cancellationToken);
    }

    /// <summary>
    /// The manager's call on this host (<see cref="RemoteControlMethods.Run"/>, or the manager's own relay to itself):
    /// runs the method against this host's control socket.
    /// </summary>
    /// <exception cref="ClusterRefusedException">The caller is not the manager, or <see cref="ClusterOptions.RemoteControl"/> is off.</exception>
    public async Task<JsonElement> RunFromAsync(string peer, ClusterInvokeRequest request, JsonRpcPeer caller, CancellationToken cancellationToken)
    {
        if (!HostNames.Same(peer, membership.ManagerName) && !managers().Any(m => HostNames.Same(peer, m.Name)))
        {
            RemoteControlLog.Refused(logger, request?.Method ?? "?", peer, "not the manager");
            throw new ClusterRefusedException($"{Name} runs relayed calls from the manager {membership.ManagerName} only, not from {peer}");
        }

        Check(request);
        if (!HostNames.Same(request.Host, Name))
        {
            throw new ClusterRequestException($"this is {Name}, not {request.Host}");
        }

        return await RunAsync(request, new NotifyingProgress(caller), cancellationToken);
    }

    private async Task<JsonElement> RunAsync(ClusterInvokeRequest request, IOrderedProgress progress, CancellationToken cancellationToken)
    {
        if (!options.RemoteControl)
        {
            RemoteControlLog.Refused(logger, request.Method, membership.ManagerName, "Cluster:RemoteControl is false");
            throw new ClusterRefusedException($"remote control is disabled on {Name} ({ClusterOptions.Section}:RemoteControl)");
        }

        RemoteControlLog.Run(logger, request.Method);
        JsonRpcPeer local;
        try
        {
            local = await JsonRpcClient.ConnectAsync(
                new UnixDomainSocketEndPoint(controlSocketPath),
                RelayedCall.ProgressTo(progress),
                new JsonRpcOptions { MaxMessageBytes = MaxRelayedBytes },
                cancellationToken: cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new ClusterUnreachableException($"{Name}'s control socket {controlSocketPath} does not answer: {ex.Message}", ex);
        }

        await using (local)
        {
            return await RelayedCall.InvokeAsync(local, request.Method, RelayedCall.ArgumentsOf(request.Params), progress, Name, cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="request"/> on a new cluster connection and relays its progress to <paramref name="progress"/>.</summary>
    private async Task<JsonElement> ForwardAsync(ClusterConnection connection, string method, ClusterInvokeRequest request, IOrderedProgress progress, string next, CancellationToken cancellationToken)
    {
        await using (connection)
        {
            await using var peer = rpc.Connect(connection, RelayedCall.ProgressTo(progress));
            return await RelayedCall.InvokeAsync(peer, method, request, progress, next, cancellationToken);
        }
    }

    /// <summary>What every hop checks before it relays or runs.</summary>
    /// <exception cref="ClusterRequestException">No host or method, a method that relays, or params over <see cref="MaxRelayedBytes"/>.</exception>
    private static void Check(ClusterInvokeRequest? request)
    {
        if (request is null)
        {
            throw new ClusterRequestException("a relayed call needs a host and a method");
        }

        HostNames.Require(request.Host, "the host to run it on");
        if (string.IsNullOrEmpty(request.Method))
        {
            throw new ClusterRequestException("a relayed call needs a method");
        }

        if (request.Method == RemoteControlMethods.Invoke || request.Method.StartsWith("$/", StringComparison.Ordinal) || request.Method.StartsWith("rpc.", StringComparison.Ordinal))
        {
            throw new ClusterRequestException($"{request.Method} cannot be relayed");
        }

        if (request.Params is { } parameters && RelayedCall.SizeOf(parameters) > MaxRelayedBytes)
        {
            throw new ClusterRequestException($"the params of {request.Method} exceed the {MaxRelayedBytes} bytes a relayed call may carry");
        }
    }
}
