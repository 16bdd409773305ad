using System.Text.Json;

namespace Jumpstart.Shared.Cluster;

/// <summary>A control-socket call to run on another host (<see cref="RemoteControlMethods"/>).</summary>
public sealed record ClusterInvokeRequest
{
    /// <summary>The host to run it on (a member's name, the manager's included).</summary>
    public required string Host { get; init; }

    /// <summary>The control-socket method, e.g. <c>vm.list</c>.</summary>
    public required string Method { get; init; }

    /// <summary>Its params as they would be sent locally: an object (named), an array (positional) or absent.</summary>
    public JsonElement? Params { get; init; }
}
