using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Store.Catalog;

public sealed partial class StoreCatalog
{
    /// <summary>Records a completely stored file and its block map in one transaction.</summary>
    /// <returns>The combinations of the file it replaced (to delete from their servers), or none.</returns>
    /// <exception cref="StoreUsageException">The name is taken and <paramref name="replace"/> is false.</exception>
    public IReadOnlyList<StoredCombination> AddFile(StoredFile file, IReadOnlyList<StoredCombination> combinations, bool replace)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(combinations);
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            IReadOnlyList<StoredCombination> replaced = [];
            var old = FindFile(transaction, file.Name);
            if (old is not null)
            {
                if (!replace)
                {
                    throw new StoreUsageException($"a file named '{file.Name}' is already stored (use --replace)");
                }

                replaced = ReadCombinations(transaction, old.Id);
                using var delete = Command(_connection, transaction, "DELETE FROM files WHERE id = $id;");
                delete.Parameters.AddWithValue("$id", old.Id);
                delete.ExecuteNonQuery();
            }

            using (var insert = Command(_connection, transaction, """
                INSERT INTO files(id, name, length, block_size, servers, kind, created, file_key, nonce_prefix)
                VALUES ($id, $name, $length, $block, $servers, $kind, $created, $key, $prefix);
                """))
            {
                insert.Parameters.AddWithValue("$id", file.Id);
                insert.Parameters.AddWithValue("$name", file.Name);
                insert.Parameters.AddWithValue("$length", file.Length);
                insert.Parameters.AddWithValue("$block", file.BlockSize);
                insert.Parameters.AddWithValue("$servers", string.Join('\n', file.Servers));
                insert.Parameters.AddWithValue("$kind", file.Kind);
                insert.Parameters.AddWithValue("$created", file.Created.ToString("O", CultureInfo.InvariantCulture));
                insert.Parameters.AddWithValue("$key", file.Key);
                insert.Parameters.AddWithValue("$prefix", (long)file.NoncePrefix);
                insert.ExecuteNonQuery();
            }

            WriteCombinations(transaction, file.Id, combinations);
            transaction.Commit();
            return replaced;
        }
    }

    /// <summary>Replaces some combinations of a file (after a repair) in one transaction.</summary>
    public void UpdateCombinations(byte[] fileId, IReadOnlyList<StoredCombination> combinations)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            WriteCombinations(transaction, fileId, combinations);
            transaction.Commit();
        }
    }

    /// <summary>Changes a file's placement (after a repair moved a whole role to a replacement server).</summary>
    public void SetFileServers(byte[] fileId, IReadOnlyList<string> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        lock (_gate)
        {
            using var command = Command(_connection, null, "UPDATE files SET servers = $servers WHERE id = $id;");
            command.Parameters.AddWithValue("$servers", string.Join('\n', servers));
            command.Parameters.AddWithValue("$id", fileId);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>A stored file and its block map.</summary>
    /// <exception cref="StoreNotFoundException">No file has that name.</exception>
    public (StoredFile File, IReadOnlyList<StoredCombination> Combinations) GetFile(string name)
    {
        lock (_gate)
        {
            var file = FindFile(null, name) ?? throw new StoreNotFoundException($"no stored file named '{name}'");
            return (file, ReadCombinations(null, file.Id));
        }
    }

    /// <summary>Every stored file, by name.</summary>
    public IReadOnlyList<StoredFile> Files()
    {
        lock (_gate)
        {
            using var command = Command(_connection, null, $"{SelectFile} ORDER BY name;");
            using var reader = command.ExecuteReader();
            var files = new List<StoredFile>();
            while (reader.Read())
            {
                files.Add(ReadFile(reader));
            }

            return files;
        }
    }

    /// <summary>Forgets a file; returns its combinations so the caller can delete them from their servers.</summary>
    public IReadOnlyList<StoredCombination> RemoveFile(string name)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            var file = FindFile(transaction, name) ?? throw new StoreNotFoundException($"no stored file named '{name}'");
            var combinations = ReadCombinations(transaction, file.Id);
            using var delete = Command(_connection, transaction, "DELETE FROM files WHERE id = $id;");
            delete.Parameters.AddWithValue("$id", file.Id);
            delete.ExecuteNonQuery();
            transaction.Commit();
            return combinations;
        }
    }

    private const string SelectFile = "SELECT id, name, length, block_size, servers, kind, created, file_key, nonce_prefix FROM files";

    private StoredFile? FindFile(SqliteTransaction? transaction, string name)
    {
        using var command = Command(_connection, transaction, $"{SelectFile} WHERE name = $name;");
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadFile(reader) : null;
    }

    private static StoredFile ReadFile(SqliteDataReader reader) => new()
    {
        Id = (byte[])reader.GetValue(0),
        Name = reader.GetString(1),
        Length = reader.GetInt64(2),
        BlockSize = reader.GetInt32(3),
        Servers = reader.GetString(4).Split('\n'),
        Kind = reader.GetString(5),
        Created = DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture),
        Key = (byte[])reader.GetValue(7),
        NoncePrefix = (uint)reader.GetInt64(8),
    };

    private List<StoredCombination> ReadCombinations(SqliteTransaction? transaction, byte[] fileId)
    {
        using var command = Command(_connection, transaction, "SELECT stripe, slot, server, object_id, nonce, mac FROM combinations WHERE file_id = $id ORDER BY stripe, slot;");
        command.Parameters.AddWithValue("$id", fileId);
        using var reader = command.ExecuteReader();
        var combinations = new List<StoredCombination>();
        while (reader.Read())
        {
            combinations.Add(new StoredCombination(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), (byte[])reader.GetValue(4), (byte[])reader.GetValue(5)));
        }

        return combinations;
    }

    private void WriteCombinations(SqliteTransaction transaction, byte[] fileId, IReadOnlyList<StoredCombination> combinations)
    {
        using var command = Command(_connection, transaction, """
            INSERT INTO combinations(file_id, stripe, slot, server, object_id, nonce, mac) VALUES ($f, $s, $slot, $server, $o, $n, $m)
            ON CONFLICT(file_id, stripe, slot) DO UPDATE SET server = $server, object_id = $o, nonce = $n, mac = $m;
            """);
        var f = command.Parameters.Add("$f", SqliteType.Blob);
        var s = command.Parameters.Add("$s", SqliteType.Integer);
        var slot = command.Parameters.Add("$slot", SqliteType.Integer);
        var server = command.Parameters.Add("$server", SqliteType.Text);
        var o = command.Parameters.Add("$o", SqliteType.Text);
        var n = command.Parameters.Add("$n", SqliteType.Blob);
        var m = command.Parameters.Add("$m", SqliteType.Blob);
        command.Prepare();
        foreach (var combination in combinations)
        {
            f.Value = fileId;
            s.Value = combination.Stripe;
            slot.Value = combination.Slot;
            server.Value = combination.Server;
            o.Value = combination.ObjectId;
            n.Value = combination.Nonce;
            m.Value = combination.Mac;
            command.ExecuteNonQuery();
        }
    }
}
