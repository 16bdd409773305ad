using Etcdserverpb;
using V3Electionpb;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>
/// Fencing of the leader's writes: with several managers, a deployment's record and placements are written only in a Txn
/// that also compares the leader's election key with the one this manager won (its create revision), so a manager that
/// lost its lease has its writes refused by etcd itself, however late it notices; the new leader's record stands.
/// </summary>
/// <remarks>
/// The guard etcd's own concurrency package puts on a leader's writes (compare CreateRevision(leader key) = leader
/// revision): https://etcd.io/docs/v3.4/dev-guide/api_concurrency_reference_v3/ (LeaderKey: name, key, rev, lease).
/// </remarks>
public sealed partial class EtcdClusterStore
{
    /// <summary>
    /// The election key this manager leads by, or null when it does not lead (<see cref="EtcdLeaderElection.Fence"/>);
    /// unset (one manager, or a tool) writes unguarded.
    /// </summary>
    public Func<LeaderKey?>? Fence { get; set; }

    /// <summary>Adds the leader guard to <paramref name="txn"/>; the key it compares, or null when there is no fence.</summary>
    /// <exception cref="ClusterNotManagerException">This manager does not lead now.</exception>
    private LeaderKey? Guard(TxnRequest txn)
    {
        if (Fence is not { } fence)
        {
            return null;
        }

        var leader = fence() ?? throw NotLeading();
        txn.Compare.Add(new Compare
        {
            Key = leader.Key,
            Target = Compare.Types.CompareTarget.Create,
            Result = Compare.Types.CompareResult.Equal,
            CreateRevision = leader.Rev,
        });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = leader.Key } });
        return leader;
    }

    /// <summary>Whether a failed guarded Txn failed on the guard (its last failure op read the leader key).</summary>
    private static bool Fenced(LeaderKey? leader, TxnResponse response)
        => leader is not null && !response.Succeeded
            && response.Responses[^1].ResponseRange is { } read
            && !(read.Kvs.Count == 1 && read.Kvs[0].CreateRevision == leader.Rev);

    /// <summary>Runs a guarded Txn; a refusal by the guard is <see cref="ClusterNotManagerException"/>.</summary>
    private async Task<TxnResponse> GuardedAsync(TxnRequest txn, CancellationToken cancellationToken)
    {
        var leader = Guard(txn);
        var response = await _etcd.TxnAsync(txn, cancellationToken);
        return Fenced(leader, response) ? throw NotLeading() : response;
    }

    private static ClusterNotManagerException NotLeading()
        => new("this manager no longer leads the cluster (its etcd lease ran out): the leader it lost to carries the deployment on ('jumpstart cluster status' names it)");
}
