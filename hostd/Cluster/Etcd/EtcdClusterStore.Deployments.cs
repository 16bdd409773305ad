using Etcdserverpb;
using Jumpstart.Hostd.Cluster.State;

namespace Jumpstart.Hostd.Cluster.Etcd;

/// <summary>Deployments and their placements (one key per deployment holds all its placements, so replacing them is one put).</summary>
public sealed partial class EtcdClusterStore
{
    private const string Deployments = "deployments";
    private const string Placements = "placements";

    public async Task PutDeploymentAsync(ClusterDeploymentRecord deployment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var txn = new TxnRequest();
        txn.Success.Add(Put(Key(Deployments, deployment.Id), deployment with { CreatedAt = Ms(deployment.CreatedAt), UpdatedAt = Ms(deployment.UpdatedAt) }));
        await GuardedAsync(txn, cancellationToken);
    }

    public async Task<ClusterDeploymentRecord?> GetDeploymentAsync(string id, CancellationToken cancellationToken)
        => await _etcd.GetAsync(Key(Deployments, id), cancellationToken) is { } kv ? Parse<ClusterDeploymentRecord>(kv) : null;

    public async Task<IReadOnlyList<ClusterDeploymentRecord>> ListDeploymentsAsync(CancellationToken cancellationToken)
        => [.. ParseAll<ClusterDeploymentRecord>((await _etcd.RangeAsync(Kind(Deployments), cancellationToken)).Kvs).OrderBy(d => d.CreatedAt).ThenBy(d => d.Id, StringComparer.Ordinal)];

    public async Task<bool> DeleteDeploymentAsync(string id, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdConnection.Bytes(Key(Deployments, id)) } });
        txn.Success.Add(Delete(Key(Placements, id)));
        var response = await GuardedAsync(txn, cancellationToken);
        return response.Responses[0].ResponseDeleteRange.Deleted > 0;
    }

    public async Task SetPlacementsAsync(string deploymentId, IReadOnlyList<PlacementRecord> placements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(placements);
        var txn = new TxnRequest();

        // The deployment must exist (SQLite's foreign key): version > 0.
        txn.Compare.Add(new Compare
        {
            Key = EtcdConnection.Bytes(Key(Deployments, deploymentId)),
            Target = Compare.Types.CompareTarget.Version,
            Result = Compare.Types.CompareResult.Greater,
            Version = 0,
        });
        txn.Success.Add(Put(Key(Placements, deploymentId), placements.OrderBy(p => p.Instance, StringComparer.Ordinal).ToList()));
        if (!(await GuardedAsync(txn, cancellationToken)).Succeeded)
        {
            throw new ClusterStoreException($"no deployment {deploymentId} to place");
        }
    }

    public async Task<IReadOnlyList<PlacementRecord>> ListPlacementsAsync(string deploymentId, CancellationToken cancellationToken)
        => await _etcd.GetAsync(Key(Placements, deploymentId), cancellationToken) is { } kv ? Parse<List<PlacementRecord>>(kv) : [];
}
