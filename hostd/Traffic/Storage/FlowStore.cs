using System.Text.Json;
using Jumpstart.Hostd.Traffic.Features;
using Jumpstart.Shared.Sqlite;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>
/// Finished flows in SQLite (opened by <see cref="SqliteDatabase"/>: WAL, synchronous=NORMAL): identity, tags,
/// sums for sorting, the features as JSON, the NIMS vector, and a label and confidence the classifier fills in
/// later. Retention by count and age is applied after every batch. Thread-safe (one connection, serialized).
/// </summary>
public sealed partial class FlowStore : IDisposable
{
    // IF NOT EXISTS: a flow database written before schema_version existed becomes version 1 with its rows.
    private const string SchemaV1 = """
        CREATE TABLE IF NOT EXISTS flows (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            start_ticks INTEGER NOT NULL,
            end_ticks INTEGER NOT NULL,
            client TEXT NOT NULL, client_port INTEGER NOT NULL,
            server TEXT NOT NULL, server_port INTEGER NOT NULL,
            protocol INTEGER NOT NULL, vlan INTEGER NOT NULL,
            end_reason TEXT NOT NULL,
            vm TEXT, instance_id TEXT, deployment TEXT,
            packets INTEGER NOT NULL, bytes INTEGER NOT NULL,
            features TEXT NOT NULL,
            nims TEXT NOT NULL,
            label TEXT, confidence REAL);
        CREATE INDEX IF NOT EXISTS flows_end ON flows (end_ticks);
        CREATE INDEX IF NOT EXISTS flows_vm ON flows (vm);
        """;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly SqliteConnection _connection;
    private readonly FlowStoreOptions _options;
    private readonly Lock _lock = new();

    private FlowStore(SqliteConnection connection, FlowStoreOptions options)
    {
        _connection = connection;
        _options = options;
    }

    /// <summary>Opens (creating if needed) the flow database at <paramref name="path"/>.</summary>
    /// <exception cref="TrafficException">The file is not a flow database this version can use, or it is busy.</exception>
    public static FlowStore Open(string path, FlowStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFlows);
        SqliteConnection connection;
        try
        {
            connection = SqliteDatabase.Open(new SqliteDatabaseOptions
            {
                Path = path,
                Description = "flow database",
                Migrations = [new SqliteMigration(1, SchemaV1)],

                // Flows can be captured again; a commit lost on power failure costs nothing that matters.
                Synchronous = SqliteSynchronous.Normal,
            });
        }
        catch (SqliteDatabaseException ex)
        {
            throw TrafficException.FlowDatabase(ex);
        }

        return new FlowStore(connection, options);
    }

    /// <summary>Stores finished flows in one transaction, then applies retention; returns their store ids.</summary>
    public IReadOnlyList<long> Add(IEnumerable<FlowRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var ids = new List<long>();
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO flows (start_ticks, end_ticks, client, client_port, server, server_port, protocol, vlan, end_reason,
                                   vm, instance_id, deployment, packets, bytes, features, nims, label, confidence)
                VALUES ($s, $e, $c, $cp, $sv, $sp, $p, $v, $r, $vm, $i, $d, $pk, $b, $f, $n, $l, $cf)
                RETURNING id;
                """;
            foreach (var row in rows)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$s", row.Start.UtcTicks);
                insert.Parameters.AddWithValue("$e", row.End.UtcTicks);
                insert.Parameters.AddWithValue("$c", row.Client);
                insert.Parameters.AddWithValue("$cp", row.ClientPort);
                insert.Parameters.AddWithValue("$sv", row.Server);
                insert.Parameters.AddWithValue("$sp", row.ServerPort);
                insert.Parameters.AddWithValue("$p", row.Protocol);
                insert.Parameters.AddWithValue("$v", row.Vlan);
                insert.Parameters.AddWithValue("$r", row.EndReason.ToString());
                insert.Parameters.AddWithValue("$vm", (object?)row.Vm ?? DBNull.Value);
                insert.Parameters.AddWithValue("$i", (object?)row.InstanceId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$d", (object?)row.Deployment ?? DBNull.Value);
                insert.Parameters.AddWithValue("$pk", row.Features.Packets);
                insert.Parameters.AddWithValue("$b", row.Features.Bytes);
                insert.Parameters.AddWithValue("$f", JsonSerializer.Serialize(row.Features, s_json));
                insert.Parameters.AddWithValue("$n", JsonSerializer.Serialize(row.Nims, s_json));
                insert.Parameters.AddWithValue("$l", (object?)row.Label ?? DBNull.Value);
                insert.Parameters.AddWithValue("$cf", (object?)row.Confidence ?? DBNull.Value);
                ids.Add((long)insert.ExecuteScalar()!);
            }

            ApplyRetention(transaction, DateTimeOffset.UtcNow);
            transaction.Commit();
        }

        return ids;
    }

    /// <summary>Records the classifier's answer for a stored flow; false when the flow is gone.</summary>
    public bool SetLabel(long id, string label, double confidence)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentOutOfRangeException.ThrowIfLessThan(confidence, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(confidence, 1);
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE flows SET label = $l, confidence = $c WHERE id = $id;";
            command.Parameters.AddWithValue("$l", label);
            command.Parameters.AddWithValue("$c", confidence);
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteNonQuery() == 1;
        }
    }

    public long Count()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM flows;";
            return (long)command.ExecuteScalar()!;
        }
    }

    public void Dispose() => _connection.Dispose();

    private void ApplyRetention(SqliteTransaction transaction, DateTimeOffset now)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM flows WHERE id <= (SELECT MAX(id) FROM flows) - $max;";
        command.Parameters.AddWithValue("$max", _options.MaxFlows);
        command.ExecuteNonQuery();
        if (_options.MaxAge is { } age)
        {
            command.CommandText = "DELETE FROM flows WHERE end_ticks < $cut;";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$cut", (now - age).UtcTicks);
            command.ExecuteNonQuery();
        }
    }

    private static FlowFeatures ReadFeatures(string json)
        => JsonSerializer.Deserialize<FlowFeatures>(json, s_json) ?? throw new InvalidDataException("stored flow features are empty");
}
