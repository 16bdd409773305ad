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
/// never increase running delay" hold for pre-deployment.
/// </remarks>
internal static class ClosedQueueingModel
{
    /// <summary>m identical stations, each with service demand <paramref name="Demand"/> seconds per request.</summary>
    internal readonly record struct StationGroup(double Demand, int Count);

    /// <summary>Mean seconds per request (delay + queueing + service) with <paramref name="customers"/> in the network.</summary>
    public static double MeanCycleSeconds(int customers, double delaySeconds, IReadOnlyList<StationGroup> stations)
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
