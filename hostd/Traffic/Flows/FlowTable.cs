using Jumpstart.Hostd.Traffic.Decoding;

namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// Assembles decoded packets into bidirectional 5-tuple flows and finishes them on TCP close, idle
/// and active timeouts, or eviction when <see cref="FlowTableOptions.MaxActiveFlows"/> is reached.
/// Time is the packets' own (capture) time, so a file gives the same flows however fast it is read.
/// Single-threaded: one reader feeds it.
/// </summary>
public sealed partial class FlowTable
{
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const long ScanIntervalNanoseconds = NanosecondsPerSecond;

    private readonly FlowTableOptions _options;
    private readonly Action<Flow> _finished;
    private readonly Dictionary<FlowKey, Flow> _flows = new();
    private readonly Dictionary<(UInt128 Source, UInt128 Destination, uint Id, byte Protocol), (ushort Source, ushort Destination)> _fragments = new();
    private readonly long _idle;
    private readonly long _active;
    private readonly long _linger;
    private Flow? _oldest;
    private Flow? _newest;
    private long _nextId = 1;
    private long _now;
    private long _nextScan;
    private long _nextActiveScan;

    /// <param name="options">Timeouts and the table bound.</param>
    /// <param name="finished">Receives every finished flow once, in the order they finish.</param>
    public FlowTable(FlowTableOptions options, Action<Flow> finished)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(finished);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxActiveFlows);
        _options = options;
        _finished = finished;
        _idle = options.IdleTimeout is { } idle ? idle.Ticks * 100 : long.MaxValue;
        _active = options.ActiveTimeout is { } active ? active.Ticks * 100 : long.MaxValue;
        _linger = options.EndOnTcpClose ? options.TcpCloseLinger.Ticks * 100 : long.MaxValue;
    }

    public FlowCounters Counters { get; } = new();

    /// <summary>The options the table was made with (the extractor reads the tunnels to follow).</summary>
    public FlowTableOptions Options => _options;

    public int ActiveCount => _flows.Count;

    /// <summary>The open flows, most recently seen first (a snapshot).</summary>
    public IReadOnlyList<Flow> ActiveFlows()
    {
        var list = new List<Flow>(_flows.Count);
        for (var flow = _newest; flow is not null; flow = flow.Older)
        {
            list.Add(flow);
        }

        return list;
    }

    /// <summary>Adds one decoded packet seen at <paramref name="timestampNanoseconds"/>, <paramref name="wireLength"/> bytes on the wire.</summary>
    public void Add(in DecodedPacket packet, long timestampNanoseconds, int wireLength)
    {
        if (timestampNanoseconds > _now)
        {
            _now = timestampNanoseconds;
            if (_now >= _nextScan)
            {
                Expire(_now);
                _nextScan = _now + ScanIntervalNanoseconds;
            }
        }

        if (packet.IsLaterFragment && !_options.FollowFragments)
        {
            Counters.SkippedFragments++;
            return;
        }

        var sourcePort = packet.SourcePort;
        var destinationPort = packet.DestinationPort;
        TrackFragment(packet, ref sourcePort, ref destinationPort);

        var key = FlowKey.From(packet.Source, sourcePort, packet.Destination, destinationPort, packet.Protocol, packet.VlanId, out _);
        if (_flows.TryGetValue(key, out var flow) && MustRestart(flow, packet, timestampNanoseconds) is { } reason)
        {
            Finish(flow, reason);
            flow = null;
        }

        if (flow is null)
        {
            if (_flows.Count >= _options.MaxActiveFlows && _oldest is not null)
            {
                Counters.Evictions++;
                Finish(_oldest, FlowEndReason.Evicted);
            }

            var first = packet;
            first.SourcePort = sourcePort;
            first.DestinationPort = destinationPort;
            flow = new Flow(_nextId++, key, first, timestampNanoseconds, _options.NdpiInterArrival);
            _flows.Add(key, flow);
            Counters.FlowsCreated++;
            Append(flow);
        }
        else
        {
            MoveToNewest(flow);
        }

        var forward = packet.Source == flow.Client && sourcePort == flow.ClientPort;
        if (forward)
        {
            flow.ForwardData.Add(timestampNanoseconds, wireLength, packet.IpLength, packet.TcpFlags);
        }
        else
        {
            flow.BackwardData.Add(timestampNanoseconds, wireLength, packet.IpLength, packet.TcpFlags);
        }

        flow.NdpiInterArrival?.Add(forward, timestampNanoseconds, packet.Protocol == IpProtocols.Tcp, packet.TcpFlags);
        Counters.FlowPackets++;
        if (timestampNanoseconds > flow.LastNanoseconds)
        {
            flow.LastNanoseconds = timestampNanoseconds;
        }

        if (_options.EndOnTcpClose && packet.Protocol == IpProtocols.Tcp)
        {
            NoteTcpClose(flow, packet.TcpFlags, forward);
        }
    }

    /// <summary>Finishes the flows that timed out by <paramref name="nowNanoseconds"/> (a live capture calls this on a timer).</summary>
    public void Expire(long nowNanoseconds)
    {
        var threshold = Math.Min(_idle, _linger);
        for (var flow = _oldest; flow is not null && flow.LastNanoseconds <= nowNanoseconds - threshold;)
        {
            var newer = flow.Newer;
            var silent = nowNanoseconds - flow.LastNanoseconds;
            if (flow.Closed && silent >= _linger)
            {
                Finish(flow, FlowEndReason.TcpClosed);
            }
            else if (silent >= _idle)
            {
                Finish(flow, FlowEndReason.Idle);
            }

            flow = newer;
        }

        if (_active != long.MaxValue && nowNanoseconds >= _nextActiveScan)
        {
            _nextActiveScan = nowNanoseconds + Math.Max(ScanIntervalNanoseconds, _active / 8);
            foreach (var flow in ActiveFlows())
            {
                if (nowNanoseconds - flow.FirstNanoseconds >= _active)
                {
                    Finish(flow, FlowEndReason.ActiveTimeout);
                }
            }
        }
    }

    /// <summary>Finishes every open flow (end of the capture).</summary>
    public void FinishAll(FlowEndReason reason = FlowEndReason.EndOfCapture)
    {
        while (_oldest is not null)
        {
            Finish(_oldest, reason);
        }
    }

    private FlowEndReason? MustRestart(Flow flow, in DecodedPacket packet, long timestamp)
    {
        if (timestamp - flow.LastNanoseconds >= _idle)
        {
            return FlowEndReason.Idle;
        }

        if (timestamp - flow.FirstNanoseconds >= _active)
        {
            return FlowEndReason.ActiveTimeout;
        }

        if (flow.Closed && (timestamp - flow.LastNanoseconds >= _linger || (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn))
        {
            return FlowEndReason.TcpClosed;
        }

        return null;
    }

    private static void NoteTcpClose(Flow flow, byte flags, bool forward)
    {
        if ((flags & TcpFlags.Rst) != 0)
        {
            flow.Closed = true;
        }

        if ((flags & TcpFlags.Fin) != 0)
        {
            if (forward)
            {
                flow.ForwardFin = true;
            }
            else
            {
                flow.BackwardFin = true;
            }

            flow.Closed |= flow.ForwardFin && flow.BackwardFin;
        }
    }

    private void TrackFragment(in DecodedPacket packet, ref ushort sourcePort, ref ushort destinationPort)
    {
        if (packet.IsFirstFragment)
        {
            if (_fragments.Count >= _options.MaxTrackedFragments)
            {
                _fragments.Clear();
            }

            _fragments[(packet.Source, packet.Destination, packet.FragmentId, packet.Protocol)] = (sourcePort, destinationPort);
        }
        else if (packet.IsLaterFragment)
        {
            if (_fragments.TryGetValue((packet.Source, packet.Destination, packet.FragmentId, packet.Protocol), out var ports))
            {
                (sourcePort, destinationPort) = ports;
            }
            else
            {
                Counters.OrphanFragments++;
            }
        }
    }

    private void Finish(Flow flow, FlowEndReason reason)
    {
        _flows.Remove(flow.Key);
        Unlink(flow);
        flow.EndReason = reason;
        Counters.FlowsFinished++;
        _finished(flow);
    }
}
