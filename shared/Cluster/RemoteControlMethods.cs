namespace Jumpstart.Shared.Cluster;

/// <summary>
/// JSON-RPC methods of remote control (issue 14 section 4): a control-socket method of any host's hostd runs on another
/// host of the cluster, relayed CLI -> local hostd -> manager -> target (hostd/Cluster/README.md, "Remote control").
/// Each carries a <see cref="ClusterInvokeRequest"/> and answers with the relayed method's own result or error, after
/// relaying its <c>host.progress</c> notes.
/// </summary>
public static class RemoteControlMethods
{
    /// <summary>Control socket (CLI -> local hostd): run <see cref="ClusterInvokeRequest.Method"/> on <see cref="ClusterInvokeRequest.Host"/>.</summary>
    public const string Invoke = "cluster.invoke";

    /// <summary>Cluster port, ALPN <c>jumpstart-control/1</c>, member -> manager: relay the call to its host (or run it, when that is the manager).</summary>
    public const string Relay = "control.relay";

    /// <summary>Cluster port, ALPN <c>jumpstart-control/1</c>, manager -> target: run the call here. Accepted from the manager's certificate only.</summary>
    public const string Run = "control.run";
}
