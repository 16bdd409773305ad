using System.Text;
using System.Text.Json;
using Jumpstart.Hostd.Traffic.Flows;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Traffic.Storage;

public sealed partial class FlowStore
{
    /// <summary>The largest <see cref="FlowQuery.Limit"/> honoured in one call.</summary>
    public const int MaxQueryRows = 1_000_000;

    /// <summary>Reads stored flows (their <see cref="FlowRow.Id"/> is the store's id).</summary>
    public IReadOnlyList<FlowRow> Query(FlowQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder("SELECT id, start_ticks, end_ticks, client, client_port, server, server_port, protocol, vlan, end_reason, vm, instance_id, deployment, features, nims, label, confidence FROM flows WHERE 1 = 1");
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            if (query.Vm is not null)
            {
                sql.Append(" AND vm = $vm");
                command.Parameters.AddWithValue("$vm", query.Vm);
            }

            if (query.Deployment is not null)
            {
                sql.Append(" AND deployment = $d");
                command.Parameters.AddWithValue("$d", query.Deployment);
            }

            if (query.Since is { } since)
            {
                sql.Append(" AND start_ticks >= $since");
                command.Parameters.AddWithValue("$since", since.UtcTicks);
            }

            if (query.UnlabelledOnly)
            {
                sql.Append(" AND label IS NULL");
            }

            sql.Append(query.OrderBy switch
            {
                FlowOrder.Bytes => " ORDER BY bytes DESC, id",
                FlowOrder.Packets => " ORDER BY packets DESC, id",
                _ => " ORDER BY id",
            });
            sql.Append(" LIMIT $limit;");
            command.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 0, MaxQueryRows));
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            var rows = new List<FlowRow>();
            while (reader.Read())
            {
                rows.Add(Read(reader));
            }

            return rows;
        }
    }

    private static FlowRow Read(SqliteDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Start = new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero),
        End = new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
        Client = reader.GetString(3),
        ClientPort = reader.GetInt32(4),
        Server = reader.GetString(5),
        ServerPort = reader.GetInt32(6),
        Protocol = reader.GetInt32(7),
        Vlan = reader.GetInt32(8),
        EndReason = Enum.TryParse<FlowEndReason>(reader.GetString(9), out var reason) ? reason : FlowEndReason.EndOfCapture,
        Vm = reader.IsDBNull(10) ? null : reader.GetString(10),
        InstanceId = reader.IsDBNull(11) ? null : reader.GetString(11),
        Deployment = reader.IsDBNull(12) ? null : reader.GetString(12),
        Features = ReadFeatures(reader.GetString(13)),
        Nims = JsonSerializer.Deserialize<double[]>(reader.GetString(14), s_json) ?? [],
        Label = reader.IsDBNull(15) ? null : reader.GetString(15),
        Confidence = reader.IsDBNull(16) ? null : reader.GetDouble(16),
    };
}
