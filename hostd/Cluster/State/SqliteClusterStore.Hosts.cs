using Jumpstart.Shared.Cluster;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Cluster.State;

/// <summary>Hosts, heartbeats and revocations.</summary>
public sealed partial class SqliteClusterStore
{
    private const string HostColumns = "name, role, state, endpoint, serial, certificate, joined_at, last_heartbeat_at, capacity_json";
    private const string CrlNumberCounter = "crl_number";

    public Task<IReadOnlyList<ClusterHostRecord>> ListHostsAsync(CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<ClusterHostRecord>>(connection => ReadHosts(connection, null, $"SELECT {HostColumns} FROM hosts ORDER BY name"), cancellationToken);

    public Task<ClusterHostRecord?> GetHostAsync(string name, CancellationToken cancellationToken)
        => ReadAsync(connection => ReadHosts(connection, null, $"SELECT {HostColumns} FROM hosts WHERE name = $name", ("$name", name)).SingleOrDefault(), cancellationToken);

    public Task PutHostAsync(ClusterHostRecord host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return WriteAsync(
            (connection, transaction) =>
            {
                InsertHost(connection, transaction, host);
                return true;
            },
            cancellationToken);
    }

    public Task<AdmitVerdict> AdmitHostAsync(string tokenId, byte[] digest, ClusterHostRecord host, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return WriteAsync((connection, transaction) =>
        {
            using (var query = Command(connection, transaction, "SELECT digest, expires_at, max_uses, used FROM tokens WHERE id = $id", ("$id", tokenId)))
            using (var reader = query.ExecuteReader())
            {
                if (!reader.Read() || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals((byte[])reader[0], digest))
                {
                    return AdmitVerdict.UnknownToken;
                }

                if (reader.GetInt64(1) <= Time(now))
                {
                    return AdmitVerdict.Expired;
                }

                if (reader.GetInt64(3) >= reader.GetInt64(2))
                {
                    return AdmitVerdict.UsedUp;
                }
            }

            var existing = Scalar(connection, transaction, "SELECT count(*) FROM hosts WHERE name = $name AND state != $removed", ("$name", host.Name), ("$removed", HostStates.Removed));
            if (existing > 0)
            {
                return AdmitVerdict.NameTaken;
            }

            if (Scalar(connection, transaction, "SELECT count(*) FROM hosts WHERE name != $name", ("$name", host.Name)) >= ClusterLimits.MaxHosts)
            {
                return AdmitVerdict.Full;
            }

            Execute(connection, transaction, "UPDATE tokens SET used = used + 1 WHERE id = $id", ("$id", tokenId));
            InsertHost(connection, transaction, host);
            return AdmitVerdict.Admitted;
        }, cancellationToken);
    }

    public Task<HeartbeatOutcome> RecordHeartbeatAsync(string name, HostCapacity capacity, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        return WriteAsync((connection, transaction) =>
        {
            string? state;
            using (var query = Command(connection, transaction, "SELECT state FROM hosts WHERE name = $name", ("$name", name)))
            {
                state = query.ExecuteScalar() as string;
            }

            if (state is null)
            {
                return HeartbeatOutcome.Unknown;
            }

            if (state == HostStates.Removed)
            {
                return HeartbeatOutcome.Removed;
            }

            Execute(
                connection,
                transaction,
                "UPDATE hosts SET state = $up, last_heartbeat_at = $at, capacity_json = $capacity WHERE name = $name",
                ("$up", HostStates.Up),
                ("$at", Time(at)),
                ("$capacity", CapacityJson(capacity)),
                ("$name", name));
            return state == HostStates.Up ? HeartbeatOutcome.Recorded : HeartbeatOutcome.CameUp;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<string>> MarkDownAsync(DateTimeOffset silentSince, CancellationToken cancellationToken)
        => WriteAsync<IReadOnlyList<string>>((connection, transaction) =>
        {
            var names = new List<string>();
            using (var query = Command(
                connection,
                transaction,
                "UPDATE hosts SET state = $down WHERE state = $up AND (last_heartbeat_at IS NULL OR last_heartbeat_at < $since) RETURNING name",
                ("$down", HostStates.Down),
                ("$up", HostStates.Up),
                ("$since", Time(silentSince))))
            using (var reader = query.ExecuteReader())
            {
                while (reader.Read())
                {
                    names.Add(reader.GetString(0));
                }
            }

            return names;
        }, cancellationToken);

    public Task<RevocationState?> RemoveHostAsync(string name, DateTimeOffset at, CancellationToken cancellationToken)
        => WriteAsync((connection, transaction) =>
        {
            string? serial;
            using (var query = Command(connection, transaction, "SELECT serial FROM hosts WHERE name = $name AND state != $removed", ("$name", name), ("$removed", HostStates.Removed)))
            {
                serial = query.ExecuteScalar() as string;
            }

            if (serial is null)
            {
                return null;
            }

            Execute(connection, transaction, "UPDATE hosts SET state = $removed WHERE name = $name", ("$removed", HostStates.Removed), ("$name", name));
            Execute(connection, transaction, "DELETE FROM bundle_holdings WHERE host = $name", ("$name", name));
            Execute(
                connection,
                transaction,
                "INSERT INTO revocations (serial, host, revoked_at) VALUES ($serial, $host, $at) ON CONFLICT (serial) DO NOTHING",
                ("$serial", serial),
                ("$host", name),
                ("$at", Time(at)));
            Execute(
                connection,
                transaction,
                "INSERT INTO counters (name, value) VALUES ($counter, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1",
                ("$counter", CrlNumberCounter));
            return (RevocationState?)ReadRevocations(connection, transaction);
        }, cancellationToken);

    public Task<RevocationState> GetRevocationsAsync(CancellationToken cancellationToken)
        => ReadAsync(connection => ReadRevocations(connection, null), cancellationToken);

    private static RevocationState ReadRevocations(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var number = Scalar(connection, transaction, "SELECT value FROM counters WHERE name = $counter", ("$counter", CrlNumberCounter)) ?? 0;
        var entries = new List<RevocationRecord>();
        using var query = Command(connection, transaction, "SELECT serial, host, revoked_at FROM revocations ORDER BY revoked_at, serial");
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new RevocationRecord(reader.GetString(0), reader.GetString(1), Time(reader.GetInt64(2))));
        }

        return new RevocationState(number, entries);
    }

    private static void InsertHost(SqliteConnection connection, SqliteTransaction transaction, ClusterHostRecord host)
    {
        Execute(connection, transaction, "DELETE FROM bundle_holdings WHERE host = $name", ("$name", host.Name));
        Execute(
            connection,
            transaction,
            $"INSERT OR REPLACE INTO hosts ({HostColumns}) VALUES ($name, $role, $state, $endpoint, $serial, $certificate, $joined, $heartbeat, $capacity)",
            ("$name", host.Name),
            ("$role", host.Role),
            ("$state", host.State),
            ("$endpoint", host.Endpoint),
            ("$serial", host.Serial),
            ("$certificate", host.Certificate),
            ("$joined", Time(host.JoinedAt)),
            ("$heartbeat", host.LastHeartbeatAt is { } heartbeat ? Time(heartbeat) : null),
            ("$capacity", CapacityJson(host.Capacity)));
    }

    private static List<ClusterHostRecord> ReadHosts(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var hosts = new List<ClusterHostRecord>();
        using (var query = Command(connection, transaction, sql, parameters))
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                hosts.Add(new ClusterHostRecord
                {
                    Name = reader.GetString(0),
                    Role = reader.GetString(1),
                    State = reader.GetString(2),
                    Endpoint = reader.GetString(3),
                    Serial = reader.GetString(4),
                    Certificate = reader.GetString(5),
                    JoinedAt = Time(reader.GetInt64(6)),
                    LastHeartbeatAt = OptionalTime(reader, 7),
                    Capacity = Capacity(reader, 8),
                });
            }
        }

        // The bundle lists live in bundle_holdings (one row per bundle), not in every heartbeat's capacity.
        for (var i = 0; i < hosts.Count; i++)
        {
            if (hosts[i].Capacity is { } capacity)
            {
                var bundles = ReadHoldings(connection, transaction, "SELECT host, bundle, since FROM bundle_holdings WHERE host = $host ORDER BY bundle", ("$host", hosts[i].Name));
                hosts[i] = hosts[i] with { Capacity = capacity with { Bundles = [.. bundles.Select(b => b.Bundle)] } };
            }
        }

        return hosts;
    }
}
