namespace Jumpstart.Hostd.Traffic.Storage;

public sealed partial class FlowStore
{
    /// <summary>The application name shown for flows no model has labelled.</summary>
    public const string UnlabelledApplication = "unlabelled";

    /// <summary>Traffic per application per VM, largest first (flows, packets, bytes summed over stored flows).</summary>
    public IReadOnlyList<ApplicationTraffic> TrafficByApplication(string? vm, int limit)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT vm, COALESCE(label, $unlabelled), COUNT(*), SUM(packets), SUM(bytes) FROM flows
                WHERE $vm IS NULL OR vm = $vm
                GROUP BY vm, COALESCE(label, $unlabelled)
                ORDER BY SUM(bytes) DESC, vm, 2
                LIMIT $limit;
                """;
            command.Parameters.AddWithValue("$unlabelled", UnlabelledApplication);
            command.Parameters.AddWithValue("$vm", (object?)vm ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", Math.Clamp(limit, 0, MaxQueryRows));
            using var reader = command.ExecuteReader();
            var rows = new List<ApplicationTraffic>();
            while (reader.Read())
            {
                rows.Add(new ApplicationTraffic(
                    reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
            }

            return rows;
        }
    }
}
