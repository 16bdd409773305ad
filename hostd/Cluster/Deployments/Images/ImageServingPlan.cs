namespace Jumpstart.Hostd.Cluster.Deployments.Images;

/// <summary>One host's part in a deployment's image scheme, as <see cref="ImageServingPlan"/> decides it.</summary>
/// <param name="Host">The host.</param>
/// <param name="Kind"><see cref="ImageServingPlan.Real"/>, <see cref="ImageServingPlan.Copy"/>, <see cref="ImageServingPlan.Pseudo"/> or <see cref="ImageServingPlan.Upstream"/>.</param>
/// <param name="Server">The host whose image this one reads (itself for a server; the origin for a copy or a pseudo image's misses).</param>
/// <param name="Clones">The clones it runs.</param>
public sealed record ImageServingHost(string Host, string Kind, string Server, int Clones);

/// <summary>
/// Which hosts serve a deployment's base image and whom every other host reads (the paper's §4: N VMs over k image
/// servers, each serving about N/k of them). The origin holds the real image and is always a server; the other K - 1
/// servers are the hosts that run the most clones (a server's own clones read locally); every other host reads the
/// server with the fewest clones so far, so each server carries about N/K clones.
/// </summary>
public static class ImageServingPlan
{
    /// <summary>The origin: the real image.</summary>
    public const string Real = "real";

    /// <summary>A full copy made from the origin before the clones start.</summary>
    public const string Copy = "copy";

    /// <summary>A pseudo image that fetches each missed extent from the origin once and keeps it.</summary>
    public const string Pseudo = "pseudo";

    /// <summary>Not a server: reads another host's image (through a pseudo image of its own, the one way the image service reads a peer).</summary>
    public const string Upstream = "upstream";

    /// <summary>How many servers <paramref name="images"/> can be: at most one per host of the deployment, origin included.</summary>
    public static int Servers(int images, string origin, IReadOnlyDictionary<string, int> clonesPerHost)
    {
        ArgumentNullException.ThrowIfNull(clonesPerHost);
        var others = clonesPerHost.Count(h => h.Value > 0 && h.Key != origin);
        return Math.Clamp(images, 1, others + 1);
    }

    /// <summary>The hosts that run clones (and the origin, when it runs none it is left out), each with its part.</summary>
    /// <param name="serverKind"><see cref="Copy"/> or <see cref="Pseudo"/>: what the K - 1 servers besides the origin hold.</param>
    /// <param name="images">K (cut to <see cref="Servers"/>).</param>
    /// <param name="origin">The host that holds the real image.</param>
    /// <param name="clonesPerHost">Clones per host (hosts with none take no part).</param>
    public static IReadOnlyList<ImageServingHost> For(string serverKind, int images, string origin, IReadOnlyDictionary<string, int> clonesPerHost)
    {
        ArgumentNullException.ThrowIfNull(clonesPerHost);
        if (serverKind is not (Copy or Pseudo))
        {
            throw new ArgumentOutOfRangeException(nameof(serverKind), serverKind, "a server besides the origin holds a copy or a pseudo image");
        }

        var hosts = clonesPerHost.Where(h => h.Value > 0 && h.Key != origin)
            .OrderByDescending(h => h.Value)
            .ThenBy(h => h.Key, StringComparer.Ordinal)
            .ToList();
        var servers = Servers(images, origin, clonesPerHost);
        var load = new List<(string Host, int Clones)> { (origin, clonesPerHost.GetValueOrDefault(origin)) };
        var result = new List<ImageServingHost>();
        if (clonesPerHost.GetValueOrDefault(origin) > 0)
        {
            result.Add(new ImageServingHost(origin, Real, origin, clonesPerHost[origin]));
        }

        foreach (var (host, clones) in hosts.Take(servers - 1))
        {
            result.Add(new ImageServingHost(host, serverKind, origin, clones));
            load.Add((host, clones));
        }

        foreach (var (host, clones) in hosts.Skip(servers - 1))
        {
            // The least loaded server; on a tie the earlier one (the origin first).
            var least = 0;
            for (var i = 1; i < load.Count; i++)
            {
                if (load[i].Clones < load[least].Clones)
                {
                    least = i;
                }
            }

            result.Add(new ImageServingHost(host, Upstream, load[least].Host, clones));
            load[least] = (load[least].Host, load[least].Clones + clones);
        }

        return result;
    }
}
