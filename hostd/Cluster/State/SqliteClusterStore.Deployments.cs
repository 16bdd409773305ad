namespace Jumpstart.Hostd.Cluster.State;

/// <summary>Deployments and their placements.</summary>
public sealed partial class SqliteClusterStore
{
    private const string DeploymentColumns = "id, bundle, spec_json, state, created_at, updated_at";

    public Task PutDeploymentAsync(ClusterDeploymentRecord deployment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return WriteAsync((connection, transaction) => Execute(
            connection,
            transaction,
            $"""
            INSERT INTO deployments ({DeploymentColumns}) VALUES ($id, $bundle, $spec, $state, $created, $updated)
            ON CONFLICT (id) DO UPDATE SET bundle = excluded.bundle, spec_json = excluded.spec_json, state = excluded.state,
                created_at = excluded.created_at, updated_at = excluded.updated_at
            """,
            ("$id", deployment.Id),
            ("$bundle", deployment.Bundle),
            ("$spec", deployment.SpecJson),
            ("$state", deployment.State),
            ("$created", Time(deployment.CreatedAt)),
            ("$updated", Time(deployment.UpdatedAt))), cancellationToken);
    }

    public Task<ClusterDeploymentRecord?> GetDeploymentAsync(string id, CancellationToken cancellationToken)
        => ReadAsync(connection => ReadDeployments(connection, $"SELECT {DeploymentColumns} FROM deployments WHERE id = $id", ("$id", id)).SingleOrDefault(), cancellationToken);

    public Task<IReadOnlyList<ClusterDeploymentRecord>> ListDeploymentsAsync(CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<ClusterDeploymentRecord>>(connection => ReadDeployments(connection, $"SELECT {DeploymentColumns} FROM deployments ORDER BY created_at, id"), cancellationToken);

    public Task<bool> DeleteDeploymentAsync(string id, CancellationToken cancellationToken)
        => WriteAsync((connection, transaction) => Execute(connection, transaction, "DELETE FROM deployments WHERE id = $id", ("$id", id)) > 0, cancellationToken);

    public Task SetPlacementsAsync(string deploymentId, IReadOnlyList<PlacementRecord> placements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(placements);
        return WriteAsync((connection, transaction) =>
        {
            Execute(connection, transaction, "DELETE FROM placements WHERE deployment_id = $id", ("$id", deploymentId));
            foreach (var placement in placements)
            {
                Execute(
                    connection,
                    transaction,
                    "INSERT INTO placements (deployment_id, instance, host, state) VALUES ($id, $instance, $host, $state)",
                    ("$id", deploymentId),
                    ("$instance", placement.Instance),
                    ("$host", placement.Host),
                    ("$state", placement.State));
            }

            return placements.Count;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<PlacementRecord>> ListPlacementsAsync(string deploymentId, CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<PlacementRecord>>(connection =>
        {
            var placements = new List<PlacementRecord>();
            using var query = Command(connection, null, "SELECT deployment_id, instance, host, state FROM placements WHERE deployment_id = $id ORDER BY instance", ("$id", deploymentId));
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                placements.Add(new PlacementRecord { DeploymentId = reader.GetString(0), Instance = reader.GetString(1), Host = reader.GetString(2), State = reader.GetString(3) });
            }

            return placements;
        }, cancellationToken);

    private static List<ClusterDeploymentRecord> ReadDeployments(Microsoft.Data.Sqlite.SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var deployments = new List<ClusterDeploymentRecord>();
        using var query = Command(connection, null, sql, parameters);
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            deployments.Add(new ClusterDeploymentRecord
            {
                Id = reader.GetString(0),
                Bundle = reader.GetString(1),
                SpecJson = reader.GetString(2),
                State = reader.GetString(3),
                CreatedAt = Time(reader.GetInt64(4)),
                UpdatedAt = Time(reader.GetInt64(5)),
            });
        }

        return deployments;
    }
}
