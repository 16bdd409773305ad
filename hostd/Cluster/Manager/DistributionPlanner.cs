using System.Collections.Concurrent;
using System.Globalization;
using Jumpstart.Shared.Cluster;

namespace Jumpstart.Hostd.Cluster.Manager;

/// <summary>
/// The manager's choice of transport for a distribution. It predicts each transport's time from the bundle's size, the
/// number of receivers and the link rates it measured in earlier distributions (a host's rate: bytes it verified per
/// second; until one is measured, <see cref="ClusterOptions.AssumedLinkMbps"/>), and picks the fastest:
/// <list type="bullet">
/// <item>unicast: the source's link carries every copy: n·S / r_source; with one receiver it is the simplest and the
///   same as a chain.</item>
/// <item>chain: every host forwards each verified chunk at once: S / r_min + (n - 1)·chunk / r_min.</item>
/// <item>multicast: one copy for everyone at the multicast rate, plus uftp's announce/registration/completion rounds
///   (<see cref="MulticastSetup"/>): S / min(r_min, rate) + setup; only when multicast is enabled.</item>
/// </list>
/// Measurements live in memory: a restarted manager predicts from the assumed rate until the next distribution.
/// </summary>
public sealed class DistributionPlanner(ClusterOptions options)
{
    /// <summary>uftp's session overhead (announce, registration, completion rounds), measured on the test bed.</summary>
    public static readonly TimeSpan MulticastSetup = TimeSpan.FromSeconds(2);

    /// <summary>A rate measured from fewer bytes than this says more about latency than bandwidth.</summary>
    private const long MinMeasuredBytes = 16L << 20;

    private readonly ConcurrentDictionary<string, double> _rates = new(StringComparer.OrdinalIgnoreCase);

    private double Assumed => options.AssumedLinkMbps * 1e6 / 8;

    /// <summary>The measured (or assumed) rate of a host's link, bytes per second.</summary>
    public double RateOf(string host) => _rates.TryGetValue(host, out var rate) ? rate : Assumed;

    /// <summary>Learns from a finished distribution: each host that received bytes gives its rate (bytes / seconds).</summary>
    public void Learn(string source, DistributionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var moved = record.Hosts.Where(h => h.State == DistributeStates.Done && h.Bytes >= MinMeasuredBytes && h.Seconds > 0).ToList();

        // A unicast fan-out shares the source's link among its streams: a host's rate there says little of its own
        // link, so only a single stream, a chain or a multicast teaches host rates.
        if (record.Transport != BundleTransports.Unicast || moved.Count == 1)
        {
            foreach (var host in moved)
            {
                Blend(host.Host, host.Bytes / host.Seconds);
            }
        }

        if (record.Transport == BundleTransports.Unicast && moved.Count > 0 && record.Seconds > 0)
        {
            // The source's link carried every copy at once.
            Blend(source, moved.Sum(h => (double)h.Bytes) / record.Seconds);
        }
    }

    /// <summary>Averages a new measurement in; a member's record names hosts, so at most <see cref="ClusterLimits.MaxHosts"/> are kept.</summary>
    private void Blend(string host, double rate)
    {
        if (double.IsFinite(rate) && rate > 0 && (_rates.Count < ClusterLimits.MaxHosts || _rates.ContainsKey(host)))
        {
            _rates.AddOrUpdate(host, rate, (_, old) => (old + rate) / 2);
        }
    }

    /// <summary>Picks the transport for sending <paramref name="bytes"/> from <paramref name="source"/> to <paramref name="hosts"/>.</summary>
    public (string Transport, string Reason) Choose(string source, IReadOnlyList<string> hosts, long bytes, int chunkBytes, string? forced)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (forced is { } f && f != BundleTransports.Auto)
        {
            return (f, "forced by the operator");
        }

        if (hosts.Count == 0)
        {
            return (BundleTransports.Unicast, "every host holds the bundle already");
        }

        var n = hosts.Count;
        var slowest = hosts.Min(RateOf);
        var unicast = n * bytes / Math.Min(RateOf(source), slowest * n);
        var chain = (bytes + ((n - 1) * (double)chunkBytes)) / slowest;
        var candidates = new List<(string Transport, double Seconds)> { (BundleTransports.Unicast, unicast), (BundleTransports.Chain, chain) };
        if (options.Multicast && n >= 2)
        {
            var rate = Math.Min(slowest, options.MulticastRateMbps * 1e6 / 8);
            candidates.Add((BundleTransports.Multicast, (bytes / rate) + MulticastSetup.TotalSeconds));
        }

        // Unicast first: on a tie (one host) the simplest wins.
        var best = candidates.OrderBy(c => c.Seconds).First();
        var others = string.Join(", ", candidates.Where(c => c != best).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Transport} {c.Seconds:0.0} s")));
        var measured = hosts.All(h => _rates.ContainsKey(h)) ? "measured" : "assumed";
        return (best.Transport, string.Create(CultureInfo.InvariantCulture, $"{n} host(s), slowest link {slowest * 8 / 1e6:0} Mbit/s ({measured}): predicted {best.Seconds:0.0} s ({others})"));
    }
}
