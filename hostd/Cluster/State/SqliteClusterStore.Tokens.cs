namespace Jumpstart.Hostd.Cluster.State;

/// <summary>Join tokens.</summary>
public sealed partial class SqliteClusterStore
{
    public Task<bool> AddTokenAsync(JoinTokenRecord token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        return WriteAsync((connection, transaction) =>
        {
            Execute(connection, transaction, "DELETE FROM tokens WHERE expires_at <= $now", ("$now", Time(now)));
            if (Scalar(connection, transaction, "SELECT count(*) FROM tokens") >= ClusterLimits.MaxTokens)
            {
                return false;
            }

            Execute(
                connection,
                transaction,
                "INSERT INTO tokens (id, digest, created_at, expires_at, max_uses, used) VALUES ($id, $digest, $created, $expires, $uses, $used)",
                ("$id", token.Id),
                ("$digest", token.Digest),
                ("$created", Time(token.CreatedAt)),
                ("$expires", Time(token.ExpiresAt)),
                ("$uses", token.MaxUses),
                ("$used", token.Used));
            return true;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<JoinTokenRecord>> ListTokensAsync(CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<JoinTokenRecord>>(connection =>
        {
            var tokens = new List<JoinTokenRecord>();
            using var query = Command(connection, null, "SELECT id, digest, created_at, expires_at, max_uses, used FROM tokens ORDER BY created_at, id");
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                tokens.Add(new JoinTokenRecord
                {
                    Id = reader.GetString(0),
                    Digest = (byte[])reader[1],
                    CreatedAt = Time(reader.GetInt64(2)),
                    ExpiresAt = Time(reader.GetInt64(3)),
                    MaxUses = reader.GetInt32(4),
                    Used = reader.GetInt32(5),
                });
            }

            return tokens;
        }, cancellationToken);
}
