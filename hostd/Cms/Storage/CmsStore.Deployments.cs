using System.Text.Json;
using Jumpstart.Shared.Cms;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Cms.Storage;

internal sealed partial class CmsStore
{
    private const int SqliteConstraintPrimaryKey = 1555;

    /// <summary>Stores a deployment and its whole waiting list atomically.</summary>
    /// <returns>False when a deployment with that id already exists (nothing is changed).</returns>
    public Task<bool> CreateDeploymentAsync(DeploymentSpec spec, CancellationToken cancellationToken)
        => WriteAsync(
            async (connection, transaction, _) =>
            {
                try
                {
                    await ExecuteAsync(
                        connection,
                        transaction,
                        "INSERT INTO deployments (deployment_id, policy_json, roles_json, created_at) VALUES ($d, $p, $r, $t);",
                        cancellationToken,
                        ("$d", spec.DeploymentId),
                        ("$p", JsonSerializer.Serialize(spec.Policy, CmsJson.Options)),
                        ("$r", JsonSerializer.Serialize(spec.Roles, CmsJson.Options)),
                        ("$t", Now()));
                }
                catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteConstraintPrimaryKey)
                {
                    return false;
                }

                await using var insert = Command(
                    connection,
                    transaction,
                    "INSERT INTO instances (deployment_id, instance_id, token_digest, rank, phase) VALUES ($d, $i, $k, $r, $p);");
                var instanceId = insert.Parameters.Add("$i", SqliteType.Text);
                var digest = insert.Parameters.Add("$k", SqliteType.Blob);
                var rank = insert.Parameters.Add("$r", SqliteType.Integer);
                insert.Parameters.AddWithValue("$d", spec.DeploymentId);
                insert.Parameters.AddWithValue("$p", InstancePhase.Waiting);
                foreach (var expected in spec.Instances)
                {
                    instanceId.Value = expected.InstanceId;
                    digest.Value = TokenHash.Compute(expected.Token);
                    rank.Value = expected.Rank is { } r ? r : DBNull.Value;
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                return true;
            },
            cancellationToken);

    /// <summary>Deletes a deployment with its waiting list and every registration.</summary>
    public Task<bool> DeleteDeploymentAsync(string deploymentId, CancellationToken cancellationToken)
        => WriteAsync(
            async (connection, transaction, _) => await ExecuteAsync(
                connection,
                transaction,
                "DELETE FROM deployments WHERE deployment_id = $d;",
                cancellationToken,
                ("$d", deploymentId)) > 0,
            cancellationToken);

    public async Task<DeploymentRecord?> GetDeploymentAsync(string deploymentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(
            connection,
            null,
            "SELECT deployment_id, policy_json, roles_json, created_at FROM deployments WHERE deployment_id = $d;",
            ("$d", deploymentId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDeployment(reader) : null;
    }

    /// <summary>Every deployment with its progress counts, ordered by id.</summary>
    public async Task<IReadOnlyList<(DeploymentRecord Deployment, DeploymentCounts Counts)>> ListDeploymentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(
            connection,
            null,
            """
            SELECT d.deployment_id, d.policy_json, d.roles_json, d.created_at,
                   COUNT(i.instance_id), COALESCE(SUM(i.role IS NOT NULL), 0),
                   COALESCE(SUM(i.phase = 'ready'), 0), COALESCE(SUM(i.phase = 'failed'), 0)
            FROM deployments d LEFT JOIN instances i ON i.deployment_id = d.deployment_id
            GROUP BY d.deployment_id ORDER BY d.deployment_id;
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(DeploymentRecord, DeploymentCounts)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((ReadDeployment(reader), new DeploymentCounts(reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7))));
        }

        return list;
    }

    private static DeploymentRecord ReadDeployment(SqliteDataReader reader)
        => new(
            reader.GetString(0),
            JsonSerializer.Deserialize<PolicySpec>(reader.GetString(1), CmsJson.Options) ?? throw new CmsStoreException("stored policy is null"),
            JsonSerializer.Deserialize<Dictionary<string, RoleConfiguration>>(reader.GetString(2), CmsJson.Options) ?? [],
            ParseTime(reader, 3) ?? DateTimeOffset.MinValue);
}
