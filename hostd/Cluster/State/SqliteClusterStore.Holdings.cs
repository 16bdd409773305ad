using Microsoft.Data.Sqlite;

namespace Jumpstart.Hostd.Cluster.State;

/// <summary>Which host holds which bundle.</summary>
public sealed partial class SqliteClusterStore
{
    public Task SetHoldingsAsync(string host, IReadOnlyCollection<string> bundles, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        return WriteAsync((connection, transaction) =>
        {
            var held = ReadHoldings(connection, transaction, "SELECT host, bundle, since FROM bundle_holdings WHERE host = $host", ("$host", host))
                .Select(h => h.Bundle)
                .ToHashSet(StringComparer.Ordinal);
            var wanted = bundles.ToHashSet(StringComparer.Ordinal);
            foreach (var gone in held.Except(wanted))
            {
                Execute(connection, transaction, "DELETE FROM bundle_holdings WHERE host = $host AND bundle = $bundle", ("$host", host), ("$bundle", gone));
            }

            foreach (var added in wanted.Except(held))
            {
                Execute(connection, transaction, "INSERT INTO bundle_holdings (host, bundle, since) VALUES ($host, $bundle, $at)", ("$host", host), ("$bundle", added), ("$at", Time(at)));
            }

            return wanted.Count;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<BundleHoldingRecord>> ListHoldersAsync(string bundle, CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<BundleHoldingRecord>>(connection => ReadHoldings(connection, null, "SELECT host, bundle, since FROM bundle_holdings WHERE bundle = $bundle ORDER BY host", ("$bundle", bundle)), cancellationToken);

    public Task<IReadOnlyList<BundleHoldingRecord>> ListHoldingsAsync(string host, CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<BundleHoldingRecord>>(connection => ReadHoldings(connection, null, "SELECT host, bundle, since FROM bundle_holdings WHERE host = $host ORDER BY bundle", ("$host", host)), cancellationToken);

    private static List<BundleHoldingRecord> ReadHoldings(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var holdings = new List<BundleHoldingRecord>();
        using var query = Command(connection, transaction, sql, parameters);
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            holdings.Add(new BundleHoldingRecord(reader.GetString(0), reader.GetString(1), Time(reader.GetInt64(2))));
        }

        return holdings;
    }
}
