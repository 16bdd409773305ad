namespace Jumpstart.Hostd.Images.Planning;

/// <summary>
/// Exact mean-value analysis (MVA) of a closed, single-class queueing network: N VMs each issue one
/// read at a time, wait a fixed delay Z (compute + latency, an infinite-server station), then visit
/// every queueing station (an image server's disk or link) with a mean service demand D_i per request.
/// </summary>
/// <remarks>
/// Reiser and Lavenberg's recursion, for n = 1..N: R_i(n) = D_i (1 + Q_i(n-1)); X(n) = n / (Z + Σ R_i(n));
/// Q_i(n) = X(n) R_i(n). A VM's mean request time is then Z + Σ R_i(N). Identical stations (k image servers
/// each visited by 1/k of the requests, H host links) are kept as one group with a multiplicity, so a run
/// costs O(N × groups). Response time never grows when a demand shrinks, which is what makes "more images
/// never increase running delay" hold for pre-deployment. Above <see cref="ExactLimit"/> customers the
/// Bard–Schweitzer approximation (Q_i(N-1) ≈ Q_i(N)(N-1)/N, solved by fixed-point iteration) replaces the
/// recursion, so a plan for a million VMs costs the same as one for a thousand.
/// </remarks>
internal static class ClosedQueueingModel
{
    /// <summary>m identical stations, each with service demand <paramref name="Demand"/> seconds per request.</summary>
    internal readonly record struct StationGroup(double Demand, int Count);

    /// <summary>Largest population solved exactly.</summary>
    public const int ExactLimit = 5_000;

    private const int MaxIterations = 10_000;
    private const double Convergence = 1e-9;

    /// <summary>Mean seconds per request (delay + queueing + service) with <paramref name="customers"/> in the network.</summary>
    public static double MeanCycleSeconds(int customers, double delaySeconds, IReadOnlyList<StationGroup> stations)
        => customers <= ExactLimit ? Exact(customers, delaySeconds, stations) : Approximate(customers, delaySeconds, stations);

    /// <summary>Bard–Schweitzer approximate MVA for large populations.</summary>
    internal static double Approximate(int customers, double delaySeconds, IReadOnlyList<StationGroup> stations)
    {
        var stationCount = stations.Sum(g => g.Count);
        var queue = stations.Select(_ => (double)customers / stationCount).ToArray();
        var residence = new double[stations.Count];
        var cycle = 0.0;
        var shrink = (customers - 1.0) / customers;
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var total = 0.0;
            for (var i = 0; i < stations.Count; i++)
            {
                residence[i] = stations[i].Demand * (1 + (queue[i] * shrink));
                total += stations[i].Count * residence[i];
            }

            var throughput = customers / (delaySeconds + total);
            var change = 0.0;
            for (var i = 0; i < stations.Count; i++)
            {
                var next = throughput * residence[i];
                change = Math.Max(change, Math.Abs(next - queue[i]) / Math.Max(1, next));
                queue[i] = next;
            }

            cycle = delaySeconds + total;
            if (change < Convergence)
            {
                break;
            }
        }

        return cycle;
    }

    /// <summary>Reiser–Lavenberg exact MVA.</summary>
    internal static double Exact(int customers, double delaySeconds, IReadOnlyList<StationGroup> stations)
    {
        var queue = new double[stations.Count];
        var residence = new double[stations.Count];
        var total = 0.0;
        for (var n = 1; n <= customers; n++)
        {
            total = 0;
            for (var i = 0; i < stations.Count; i++)
            {
                residence[i] = stations[i].Demand * (1 + queue[i]);
                total += stations[i].Count * residence[i];
            }

            var throughput = n / (delaySeconds + total);
            for (var i = 0; i < stations.Count; i++)
            {
                queue[i] = throughput * residence[i];
            }
        }

        return delaySeconds + total;
    }
}
