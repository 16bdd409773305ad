using System.Globalization;
using System.Text;
using Jumpstart.Hostd.Traffic.Flows;

namespace Jumpstart.Tests.Traffic;

/// <summary>
/// Compares our flows with ndpiReader's reference output field by field and keeps the agreement
/// per field. Flows are matched by protocol, VLAN and the unordered pair of endpoints; ndpiReader's
/// client/server order is mapped onto ours (forward = first packet's sender) before comparing.
/// Tolerances: exact for counts and min/max lengths; ±1 for values ndpiReader prints rounded
/// (average and stddev of lengths); ±1 ms for inter-arrival times (it keeps millisecond clocks);
/// ±0.01 s for the duration it prints with two decimals.
/// </summary>
public sealed class NdpiAgreement
{
    public const string CountsExact = "packets+bytes both directions exact";
    private static readonly string[] s_fields =
    [
        "c2s packets", "c2s bytes", "s2c packets", "s2c bytes", CountsExact,
        "duration (±0.01 s)", "IAT min/avg/max/std (±1 ms)", NdpiIat, "pkt len min/max (exact)", "pkt len avg/std (±1)",
    ];

    /// <summary>The nDPI-compatible inter-arrival mode (<see cref="NdpiInterArrival"/>) against ndpiReader's figures.</summary>
    public const string NdpiIat = "IAT ndpi mode min/avg/max/std (±1 ms)";

    private readonly Dictionary<string, (long Agree, long Compared)> _fields = s_fields.ToDictionary(f => f, _ => (0L, 0L));

    public long Captures { get; private set; }

    public long ReferenceFlows { get; private set; }

    /// <summary>Reference flows with no flow of ours on the same key.</summary>
    public long Unmatched { get; private set; }

    /// <summary>Flows of ours that ndpiReader did not list.</summary>
    public long Extra { get; private set; }

    /// <summary>One line per flow that is not exact on counts: capture, key, theirs vs ours.</summary>
    public List<string> Differences { get; } = [];

    /// <summary>One line per flow whose inter-arrival figures differ.</summary>
    public List<string> IatDifferences { get; } = [];

    public double Fraction(string field) => _fields[field].Compared == 0 ? 1 : (double)_fields[field].Agree / _fields[field].Compared;

    /// <summary>Fraction of reference flows that matched a flow of ours and agree exactly on all four counts.</summary>
    public double ExactFraction => ReferenceFlows == 0 ? 1 : (double)_fields[CountsExact].Agree / ReferenceFlows;

    public void AddCapture(string name, IReadOnlyList<NdpiReferenceFlow> reference, IReadOnlyList<Flow> ours)
    {
        Captures++;
        var byKey = new Dictionary<string, Flow>();
        foreach (var flow in ours)
        {
            byKey.TryAdd(Key(flow.Protocol, flow.VlanId, FlowAddress.Format(flow.Client), flow.ClientPort, FlowAddress.Format(flow.Server), flow.ServerPort), flow);
        }

        var used = new HashSet<Flow>();
        foreach (var theirs in reference)
        {
            ReferenceFlows++;
            var key = Key(theirs.Protocol, theirs.Vlan, theirs.Source.ToString(), theirs.SourcePort, theirs.Destination.ToString(), theirs.DestinationPort);
            if (!byKey.TryGetValue(key, out var flow) || !used.Add(flow))
            {
                Unmatched++;
                Differences.Add($"{name}: {key}: not found");
                continue;
            }

            Compare(name, key, theirs, flow);
        }

        Extra += ours.Count - used.Count;
    }

    private void Compare(string name, string key, NdpiReferenceFlow theirs, Flow flow)
    {
        var same = FlowAddress.Format(flow.Client) == theirs.Source.ToString() && flow.ClientPort == theirs.SourcePort;
        var c2s = same ? flow.Forward : flow.Backward;
        var s2c = same ? flow.Backward : flow.Forward;
        var exact = Count("c2s packets", c2s.Packets == theirs.ForwardPackets)
            & Count("c2s bytes", c2s.Bytes == theirs.ForwardBytes)
            & Count("s2c packets", s2c.Packets == theirs.BackwardPackets)
            & Count("s2c bytes", s2c.Bytes == theirs.BackwardBytes);
        Count(CountsExact, exact);
        if (!exact)
        {
            Differences.Add($"{name}: {key}: ndpi {theirs.ForwardPackets}/{theirs.ForwardBytes} <-> {theirs.BackwardPackets}/{theirs.BackwardBytes}, ours {c2s.Packets}/{c2s.Bytes} <-> {s2c.Packets}/{s2c.Bytes}");
            return;
        }

        if (theirs.DurationSeconds is { } seconds)
        {
            Count("duration (±0.01 s)", Math.Abs((flow.DurationNanoseconds / 1e9) - seconds) <= 0.0101);
        }

        if (theirs.InterArrivalMilliseconds is { } iat)
        {
            var ok = Close(iat, 0, c2s.InterArrivalMicroseconds, 1_000, 1.0001) && Close(iat, 1, s2c.InterArrivalMicroseconds, 1_000, 1.0001);
            if (!Count("IAT min/avg/max/std (±1 ms)", ok))
            {
                IatDifferences.Add(FormattableString.Invariant($"{name}: {key}: IAT ndpi [{string.Join(' ', iat)}], ours c2s {c2s.InterArrivalMicroseconds.Minimum / 1000:0.#}/{c2s.InterArrivalMicroseconds.Mean / 1000:0.#}/{c2s.InterArrivalMicroseconds.Maximum / 1000:0.#}/{c2s.InterArrivalMicroseconds.PopulationStandardDeviation / 1000:0.#} s2c {s2c.InterArrivalMicroseconds.Minimum / 1000:0.#}/{s2c.InterArrivalMicroseconds.Mean / 1000:0.#}/{s2c.InterArrivalMicroseconds.Maximum / 1000:0.#}/{s2c.InterArrivalMicroseconds.PopulationStandardDeviation / 1000:0.#}"));
            }
        }

        if (theirs.InterArrivalMilliseconds is { } quad && flow.NdpiInterArrival is { } ndpi)
        {
            var (client, server) = same ? (ndpi.ClientToServer, ndpi.ServerToClient) : (ndpi.ServerToClient, ndpi.ClientToServer);
            if (!Count(NdpiIat, Close(quad, 0, client) && Close(quad, 1, server)))
            {
                IatDifferences.Add(FormattableString.Invariant($"{name}: {key}: ndpi mode: ndpi [{string.Join(' ', quad)}], ours {client.Minimum}/{server.Minimum} {client.Mean:0.#}/{server.Mean:0.#} {client.Maximum}/{server.Maximum} {client.StandardDeviation:0.#}/{server.StandardDeviation:0.#} (same side {same})"));
            }
        }

        if (theirs.PacketLengths is { } lengths)
        {
            Count("pkt len min/max (exact)", MinMax(lengths, 0, c2s.FrameLengths) && MinMax(lengths, 1, s2c.FrameLengths));
            Count("pkt len avg/std (±1)", AvgStd(lengths, 0, c2s.FrameLengths) && AvgStd(lengths, 1, s2c.FrameLengths));
        }
    }

    private static bool Close(double[] quad, int side, RunningStatistics ours, double scale, double tolerance)
    {
        if (ours.Count == 0)
        {
            return quad[side] == 0 && quad[2 + side] == 0 && quad[4 + side] == 0;
        }

        return Math.Abs((ours.Minimum / scale) - quad[side]) <= tolerance
            && Math.Abs((ours.Mean / scale) - quad[2 + side]) <= tolerance
            && Math.Abs((ours.Maximum / scale) - quad[4 + side]) <= tolerance
            && Math.Abs((ours.PopulationStandardDeviation / scale) - quad[6 + side]) <= tolerance;
    }

    /// <summary>nDPI's figures: min and max exact-ish (±1 ms), average and deviation printed rounded (±1 ms).</summary>
    private static bool Close(double[] quad, int side, NdpiGaps ours)
        => Math.Abs(ours.Minimum - quad[side]) <= 1.0001
            && Math.Abs(ours.Mean - quad[2 + side]) <= 1.0001
            && Math.Abs(ours.Maximum - quad[4 + side]) <= 1.0001
            && Math.Abs(ours.StandardDeviation - quad[6 + side]) <= 1.0001;

    private static bool MinMax(double[] quad, int side, RunningStatistics ours)
        => ours.Count == 0 ? quad[side] == 0 && quad[4 + side] == 0 : ours.Minimum == quad[side] && ours.Maximum == quad[4 + side];

    private static bool AvgStd(double[] quad, int side, RunningStatistics ours)
        => ours.Count == 0 || (Math.Abs(ours.Mean - quad[2 + side]) <= 1.0001 && Math.Abs(ours.PopulationStandardDeviation - quad[6 + side]) <= 1.0001);

    private bool Count(string field, bool agree)
    {
        var (a, c) = _fields[field];
        _fields[field] = (a + (agree ? 1 : 0), c + 1);
        return agree;
    }

    private static string Key(int protocol, int vlan, string a, int aPort, string b, int bPort)
    {
        var first = $"{a}:{aPort}";
        var second = $"{b}:{bPort}";
        return string.CompareOrdinal(first, second) <= 0 ? $"{protocol}/{vlan} {first} {second}" : $"{protocol}/{vlan} {second} {first}";
    }

    /// <summary>The agreement table (Markdown).</summary>
    public string Table()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"captures: {Captures}, reference flows: {ReferenceFlows}, unmatched: {Unmatched}, extra flows of ours: {Extra}");
        text.AppendLine("| field | agree | compared | agreement |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var field in s_fields)
        {
            var (a, c) = _fields[field];
            text.AppendLine(CultureInfo.InvariantCulture, $"| {field} | {a} | {c} | {(c == 0 ? 1 : (double)a / c):P2} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| **reference flows exact on packets and bytes per direction** | {_fields[CountsExact].Agree} | {ReferenceFlows} | {ExactFraction:P2} |");
        return text.ToString();
    }
}
