namespace Jumpstart.Hostd.Store.Catalog;

public sealed partial class StoreCatalog
{
    /// <summary>Registers a block server, or changes its endpoint and token.</summary>
    public void PutServer(StoreServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        lock (_gate)
        {
            using var command = Command(_connection, null, "INSERT INTO servers(name, endpoint, token) VALUES ($n, $e, $t) ON CONFLICT(name) DO UPDATE SET endpoint = $e, token = $t;");
            command.Parameters.AddWithValue("$n", server.Name);
            command.Parameters.AddWithValue("$e", server.Endpoint);
            command.Parameters.AddWithValue("$t", server.Token);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The registered block servers, by name or in the order they were first registered.</summary>
    public IReadOnlyList<StoreServer> Servers(bool byRegistration = false)
    {
        lock (_gate)
        {
            // rowid is assigned on the first insert and kept by the upsert that updates a server.
            using var command = Command(_connection, null, $"SELECT name, endpoint, token FROM servers ORDER BY {(byRegistration ? "rowid" : "name")};");
            using var reader = command.ExecuteReader();
            var servers = new List<StoreServer>();
            while (reader.Read())
            {
                servers.Add(new StoreServer(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return servers;
        }
    }

    /// <summary>Unregisters a server that holds no combination any more.</summary>
    /// <exception cref="StoreUsageException">Combinations of stored files still live there.</exception>
    public void RemoveServer(string name)
    {
        lock (_gate)
        {
            using (var count = Command(_connection, null, "SELECT COUNT(DISTINCT file_id) FROM combinations WHERE server = $n;"))
            {
                count.Parameters.AddWithValue("$n", name);
                var files = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                if (files > 0)
                {
                    throw new StoreUsageException($"server '{name}' still holds combinations of {files} file(s); move them with 'store repair NAME --replace {name}=OTHER' first");
                }
            }

            using var command = Command(_connection, null, "DELETE FROM servers WHERE name = $n;");
            command.Parameters.AddWithValue("$n", name);
            if (command.ExecuteNonQuery() == 0)
            {
                throw new StoreNotFoundException($"no block server named '{name}'");
            }
        }
    }
}
