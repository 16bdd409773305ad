namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>
/// Host liveness by leases (the etcd store): each heartbeat keeps a per-host lease alive, whose key
/// (<c>alive/NAME</c>) etcd deletes when the lease expires; the leader watches those deletions and marks the host
/// down, so nothing polls heartbeat times. The SQLite store has no leases: its manager marks silent hosts down from
/// their heartbeat times (<see cref="State.IClusterStore.MarkDownAsync"/>).
/// </summary>
public interface IHostLiveness
{
    /// <summary>Keeps <paramref name="name"/>'s lease alive for another <paramref name="ttl"/> (a new lease when it has none or it expired).</summary>
    /// <exception cref="ClusterStoreException">etcd cannot be reached.</exception>
    Task KeepAliveAsync(string name, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Marks down every host that is up and has no live lease while its last heartbeat is older than
    /// <paramref name="silentSince"/> (what expired while nobody watched), then watches lease expiries and marks each
    /// such host down (unless it is alive again), calling <paramref name="markedDown"/> for each; returns only when
    /// cancelled or when the watch fails.
    /// </summary>
    /// <exception cref="ClusterStoreException">etcd cannot be reached, or cancelled the watch.</exception>
    Task WatchExpiriesAsync(DateTimeOffset silentSince, Action<string> markedDown, CancellationToken cancellationToken);
}
