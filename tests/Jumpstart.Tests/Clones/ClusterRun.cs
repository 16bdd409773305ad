using System.Text.Json;

namespace Jumpstart.Tests.Clones;

/// <summary>
/// What one <c>jumpstart deploy</c> of the cluster left to check: its report, the frames the bridge
/// carried from before the first resume until every clone answered a ping, the host's ARP table
/// (IP -> MAC as the clones announced themselves), and each clone's serial console.
/// </summary>
public sealed record ClusterRun
{
    public required string MemoryFormat { get; init; }

    /// <summary>The deploy's JSON report (see Jumpstart.Hostd.Deploy.DeployReport).</summary>
    public required JsonElement Report { get; init; }

    public required IReadOnlyList<CapturedFrame> Frames { get; init; }

    /// <summary>Clone address -> answered a ping from the host namespace.</summary>
    public required IReadOnlyDictionary<string, bool> Pinged { get; init; }

    /// <summary>Clone address -> the MAC the host's neighbour table holds for it.</summary>
    public required IReadOnlyDictionary<string, string> NeighbourMacs { get; init; }

    /// <summary>VM name -> its serial console so far.</summary>
    public required IReadOnlyDictionary<string, string> Consoles { get; init; }

    /// <summary>VM name -> vmgenid GUID hostd gave it.</summary>
    public required IReadOnlyDictionary<string, string> VmGenIds { get; init; }

    /// <summary>The CMS's instances at the end of the deploy.</summary>
    public IEnumerable<JsonElement> Instances => Report.GetProperty("cms").GetProperty("instances").EnumerateArray();

    /// <summary>Each instance's first address without the prefix length.</summary>
    public IReadOnlyList<string> Addresses
        => [.. Instances.Select(i => i.GetProperty("addresses")[0].GetString()!.Split('/')[0])];
}
