using System.Text.Json;
using Jumpstart.Shared.Cms;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Cms.Storage;

internal sealed partial class CmsStore
{
    private const string InstanceColumns =
        "deployment_id, instance_id, token_digest, rank, hostname, addresses_json, role, variables_json, phase, detail, arrival, last_heartbeat, registered_at, updated_at";

    /// <summary>
    /// Records first registrations with the roles their policy chose, all in one transaction (one
    /// fsync for a whole batch). Only an unregistered instance is changed, so a role once given never
    /// changes; arrival numbers follow the list's order.
    /// </summary>
    /// <returns>The rows registered now; an instance already registered is left out.</returns>
    /// <remarks>The only writer: <paramref name="basedOn"/> is not checked and the batch is never refused.</remarks>
    public async Task<RegistrationOutcome> RegisterAsync(string deploymentId, IReadOnlyList<Registration> registrations, long basedOn, CancellationToken cancellationToken)
        => new(await RegisterRowsAsync(deploymentId, registrations, cancellationToken), [], 0);

    private Task<IReadOnlyList<InstanceRecord>> RegisterRowsAsync(string deploymentId, IReadOnlyList<Registration> registrations, CancellationToken cancellationToken)
        => WriteAsync<IReadOnlyList<InstanceRecord>>(
            async (connection, transaction, changed) =>
            {
                var now = Now();
                foreach (var registration in registrations)
                {
                    var updated = await ExecuteAsync(
                        connection,
                        transaction,
                        """
                        UPDATE instances SET hostname = $h, addresses_json = $a, rank = COALESCE(rank, $r), role = $role,
                            variables_json = $v, phase = $phase,
                            arrival = (SELECT COALESCE(MAX(arrival), 0) + 1 FROM instances WHERE deployment_id = $d),
                            registered_at = $t, updated_at = $t
                        WHERE deployment_id = $d AND instance_id = $i AND role IS NULL;
                        """,
                        cancellationToken,
                        ("$d", deploymentId),
                        ("$i", registration.InstanceId),
                        ("$h", registration.Hostname),
                        ("$a", JsonSerializer.Serialize(registration.Addresses, CmsJson.Options)),
                        ("$r", registration.Rank),
                        ("$role", registration.Role),
                        ("$v", JsonSerializer.Serialize(registration.Variables, CmsJson.Options)),
                        ("$phase", InstancePhase.Registered),
                        ("$t", now));
                    if (updated == 1 && await ReadInstanceAsync(connection, transaction, deploymentId, registration.InstanceId, cancellationToken) is { } row)
                    {
                        changed.Add(row);
                    }
                }

                return changed.ToList();
            },
            cancellationToken);

    /// <summary>A registered instance registering again may have a new hostname or addresses; its role stays.</summary>
    public Task<InstanceRecord?> UpdateIdentityAsync(string deploymentId, string instanceId, string hostname, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
        => UpdateRegisteredAsync(
            "hostname = $h, addresses_json = $a",
            deploymentId,
            instanceId,
            cancellationToken,
            ("$h", hostname),
            ("$a", JsonSerializer.Serialize(addresses, CmsJson.Options)));

    /// <summary>Stores a reported phase for a registered instance.</summary>
    /// <returns>The updated row; null when the instance has not registered.</returns>
    public Task<InstanceRecord?> ReportAsync(string deploymentId, string instanceId, string phase, string? detail, CancellationToken cancellationToken)
        => UpdateRegisteredAsync("phase = $p, detail = $x", deploymentId, instanceId, cancellationToken, ("$p", phase), ("$x", detail));

    public Task<InstanceRecord?> HeartbeatAsync(string deploymentId, string instanceId, CancellationToken cancellationToken)
        => UpdateRegisteredAsync("last_heartbeat = $t", deploymentId, instanceId, cancellationToken);

    public async Task<InstanceRecord?> GetInstanceAsync(string deploymentId, string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ReadInstanceAsync(connection, null, deploymentId, instanceId, cancellationToken);
    }

    private static async Task<InstanceRecord?> ReadInstanceAsync(
        SqliteConnection connection,
        SqliteTransaction? transaction,
        string deploymentId,
        string instanceId,
        CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            transaction,
            $"SELECT {InstanceColumns} FROM instances WHERE deployment_id = $d AND instance_id = $i;",
            ("$d", deploymentId),
            ("$i", instanceId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadInstance(reader) : null;
    }

    /// <summary>The whole waiting list: registered instances in arrival order, then the ones still waiting by id.</summary>
    public async Task<IReadOnlyList<InstanceRecord>> GetInstancesAsync(string deploymentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = Command(
            connection,
            null,
            $"SELECT {InstanceColumns} FROM instances WHERE deployment_id = $d ORDER BY arrival IS NULL, arrival, instance_id;",
            ("$d", deploymentId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<InstanceRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadInstance(reader));
        }

        return list;
    }

    private Task<InstanceRecord?> UpdateRegisteredAsync(
        string assignments,
        string deploymentId,
        string instanceId,
        CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
        => WriteAsync(
            async (connection, transaction, changed) =>
            {
                var updated = await ExecuteAsync(
                    connection,
                    transaction,
                    $"UPDATE instances SET {assignments}, updated_at = $t WHERE deployment_id = $d AND instance_id = $i AND role IS NOT NULL;",
                    cancellationToken,
                    [("$d", deploymentId), ("$i", instanceId), ("$t", Now()), .. parameters]) == 1;
                var row = updated ? await ReadInstanceAsync(connection, transaction, deploymentId, instanceId, cancellationToken) : null;
                if (row is not null)
                {
                    changed.Add(row);
                }

                return row;
            },
            cancellationToken);

    private static InstanceRecord ReadInstance(SqliteDataReader reader) => new()
    {
        DeploymentId = reader.GetString(0),
        InstanceId = reader.GetString(1),
        TokenDigest = (byte[])reader.GetValue(2),
        Rank = reader.IsDBNull(3) ? null : reader.GetInt32(3),
        Hostname = reader.IsDBNull(4) ? null : reader.GetString(4),
        Addresses = JsonSerializer.Deserialize<List<string>>(reader.GetString(5), CmsJson.Options) ?? [],
        Role = reader.IsDBNull(6) ? null : reader.GetString(6),
        Variables = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(7), CmsJson.Options) ?? [],
        Phase = reader.GetString(8),
        Detail = reader.IsDBNull(9) ? null : reader.GetString(9),
        Arrival = reader.IsDBNull(10) ? null : reader.GetInt64(10),
        LastHeartbeat = ParseTime(reader, 11),
        RegisteredAt = ParseTime(reader, 12),
        UpdatedAt = ParseTime(reader, 13),
    };
}
