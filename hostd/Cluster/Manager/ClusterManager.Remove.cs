using Jumpstart.Hostd.Cluster.Identity;
using Jumpstart.Shared.Cluster;
using Jumpstart.Shared.JsonRpc;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>Removing a host: revoke, push, cut.</summary>
internal sealed partial class ClusterManager
{
    /// <summary>How long the push of a new revocation list may take per host.</summary>
    private static readonly TimeSpan s_pushTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Removes <paramref name="name"/>: marks it removed and revokes its certificate in one store step, signs the new
    /// revocation list, pushes it to every connected host (the removed one too, so it knows), and only then puts it in
    /// force here, which closes the removed host's connections.
    /// </summary>
    /// <exception cref="ClusterNotFoundException">No member has that name.</exception>
    /// <exception cref="ClusterRequestException">It is the manager itself.</exception>
    public async Task<ClusterRemoveResult> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        name = HostNames.Require(name);
        if (HostNames.Same(name, Name))
        {
            throw new ClusterRequestException($"{name} is the manager; it cannot remove itself");
        }

        await _revocationGate.WaitAsync(cancellationToken);
        try
        {
            var removed = await _store.GetHostAsync(name, cancellationToken);
            var state = await _store.RemoveHostAsync(name, _time.GetUtcNow(), cancellationToken)
                ?? throw new ClusterNotFoundException($"no member named {name} (see 'jumpstart cluster hosts')");
            var list = Publish(state, _ca, _files, _time.GetUtcNow());
            var message = new RevocationListMessage { CrlNumber = list.Number, Crl = list.Pem };
            var pushes = _connected.Values.Select(peer => PushAsync(peer, message, cancellationToken)).ToList();
            var notified = (await Task.WhenAll(pushes)).Count(pushed => pushed);
            _transport.ApplyRevocations(list);
            _holdings.TryRemove(name, out _);
            ClusterLog.RevocationsApplied(_logger, list.Number, list.Serials.Count);
            ClusterLog.HostRemoved(_logger, name, removed!.Serial, list.Number, notified);
            return new ClusterRemoveResult { Name = name, Serial = removed.Serial, CrlNumber = list.Number, Notified = notified };
        }
        finally
        {
            _revocationGate.Release();
        }
    }

    private static async Task<bool> PushAsync(JsonRpcPeer peer, RevocationListMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await peer.NotifyWithParameterObjectAsync(ClusterMethods.HostRevocations, message).WaitAsync(s_pushTimeout, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or ObjectDisposedException or IOException or StreamJsonRpc.ConnectionLostException)
        {
            // That host gets the list on its next heartbeat (whose answer carries the list number) or hello.
            return false;
        }
    }
}
