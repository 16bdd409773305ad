using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// One flow line of an <c>ndpiReader</c> result file (nDPI's tests/results/*.out): endpoints as
/// ndpiReader prints them (client first), packets and bytes per direction (whole frames), duration,
/// and, when printed, inter-arrival times (milliseconds) and packet lengths per direction as
/// min/avg/max/stddev.
/// </summary>
public sealed partial record NdpiReferenceFlow
{
    public required int Protocol { get; init; }

    public required IPAddress Source { get; init; }

    public required int SourcePort { get; init; }

    public required IPAddress Destination { get; init; }

    public required int DestinationPort { get; init; }

    public int Vlan { get; init; }

    public long ForwardPackets { get; init; }

    public long ForwardBytes { get; init; }

    public long BackwardPackets { get; init; }

    public long BackwardBytes { get; init; }

    /// <summary>Seconds as printed (two decimals); null for "&lt; 1 sec".</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>c2s min, s2c min, c2s avg, s2c avg, c2s max, s2c max, c2s stddev, s2c stddev (ms); null when absent.</summary>
    public double[]? InterArrivalMilliseconds { get; init; }

    /// <summary>Packet lengths in the same order as <see cref="InterArrivalMilliseconds"/> (bytes).</summary>
    public double[]? PacketLengths { get; init; }

    private static readonly Dictionary<string, int> s_protocols = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TCP"] = 6, ["UDP"] = 17, ["ICMP"] = 1, ["ICMPV6"] = 58, ["IGMP"] = 2, ["ESP"] = 50, ["AH"] = 51,
        ["OSPF"] = 89, ["SCTP"] = 132, ["VRRP"] = 112, ["GRE"] = 47, ["PIM"] = 103, ["IPV6"] = 41, ["IPIP"] = 4,
    };

    /// <summary>Parses every flow line of a result file; other lines are ignored.</summary>
    public static IReadOnlyList<NdpiReferenceFlow> ParseFile(string path)
    {
        var flows = new List<NdpiReferenceFlow>();
        foreach (var line in File.ReadLines(path, System.Text.Encoding.Latin1))
        {
            if (TryParse(line) is { } flow)
            {
                flows.Add(flow);
            }
        }

        return flows;
    }

    public static NdpiReferenceFlow? TryParse(string line)
    {
        var head = Head().Match(line);
        if (!head.Success)
        {
            return null;
        }

        var protocolName = head.Groups["proto"].Value;
        if (!s_protocols.TryGetValue(protocolName, out var protocol) && !int.TryParse(protocolName, CultureInfo.InvariantCulture, out protocol))
        {
            return null;
        }

        var counts = Counts().Match(line);
        if (!counts.Success
            || !IPAddress.TryParse(head.Groups["sa"].Value, out var source)
            || !IPAddress.TryParse(head.Groups["da"].Value, out var destination))
        {
            return null;
        }

        var duration = Duration().Match(line);
        var vlan = VlanTag().Match(line);
        return new NdpiReferenceFlow
        {
            Protocol = protocol,
            Source = source,
            SourcePort = int.Parse(head.Groups["sp"].Value, CultureInfo.InvariantCulture),
            Destination = destination,
            DestinationPort = int.Parse(head.Groups["dp"].Value, CultureInfo.InvariantCulture),
            Vlan = vlan.Success ? int.Parse(vlan.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            ForwardPackets = long.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture),
            ForwardBytes = long.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture),
            BackwardPackets = long.Parse(counts.Groups[3].Value, CultureInfo.InvariantCulture),
            BackwardBytes = long.Parse(counts.Groups[4].Value, CultureInfo.InvariantCulture),
            DurationSeconds = duration.Success ? double.Parse(duration.Groups[1].Value, CultureInfo.InvariantCulture) : null,
            InterArrivalMilliseconds = Quad(Iat().Match(line)),
            PacketLengths = Quad(PacketLength().Match(line)),
        };
    }

    private static double[]? Quad(Match match)
        => match.Success ? [.. Enumerable.Range(1, 8).Select(i => double.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture))] : null;

    [GeneratedRegex(@"^\s*\d+\s+(?<proto>[A-Za-z0-9]+) (\[(?<sa>[0-9a-fA-F.:]+)\]|(?<sa>[0-9.]+)):(?<sp>\d+) <?-> (\[(?<da>[0-9a-fA-F.:]+)\]|(?<da>[0-9.]+)):(?<dp>\d+) ")]
    private static partial Regex Head();

    [GeneratedRegex(@"\[(\d+) pkts/(\d+) bytes <?-> (\d+) pkts/(\d+) bytes\]")]
    private static partial Regex Counts();

    [GeneratedRegex(@"\[VLAN: (\d+)\]")]
    private static partial Regex VlanTag();

    [GeneratedRegex(@"\]\[(\d+\.\d+) sec\]")]
    private static partial Regex Duration();

    [GeneratedRegex(@"\[IAT c2s/s2c min/avg/max/stddev: ([\d.]+)/([\d.]+) ([\d.]+)/([\d.]+) ([\d.]+)/([\d.]+) ([\d.]+)/([\d.]+)\]")]
    private static partial Regex Iat();

    [GeneratedRegex(@"\[Pkt Len c2s/s2c min/avg/max/stddev: ([\d.]+)/([\d.]+) ([\d.]+)/([\d.]+) ([\d.]+)/([\d.]+) ([\d.]+)/([\d.]+)\]")]
    private static partial Regex PacketLength();
}
