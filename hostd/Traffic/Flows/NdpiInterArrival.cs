namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// Inter-arrival times as ndpiReader computes them (nDPI's example/reader_util.c, packet_processing,
/// and src/lib/ndpi_analyze.c, ndpi_data_add_value), so its printed figures can be reproduced field by
/// field. Its rules, which differ from the NIMS definitions of <see cref="FlowDirection"/>:
/// <list type="bullet">
/// <item>timestamps are microseconds (libpcap's default precision), a gap is whole milliseconds,
/// truncated (<c>tv_sec * 1000 + tv_usec / 1000</c>);</item>
/// <item>a negative gap is left out (ndpiReader does so client to server; server to client it would wrap to 2^64 - n);</item>
/// <item>server to client: the gap before a TCP packet with SYN, FIN or RST is left out
/// (<c>begin_or_end_tcp</c>), the packet's time still becomes the reference;</item>
/// <item>after every 32nd packet of the flow both reference times are cleared, so the next gap of
/// each direction is left out, as is any gap whose reference time has 0 seconds;</item>
/// <item>minimum and maximum restart while the sum of the gaps is still 0; the standard deviation is
/// the population one.</item>
/// </list>
/// </summary>
public sealed class NdpiInterArrival
{
    /// <summary>ndpiReader's <c>max_num_packets_per_flow</c>: the reference times are cleared every this many packets.</summary>
    public const int ResetInterval = 32;

    private const long MicrosecondsPerSecond = 1_000_000;
    private const byte TcpBeginOrEnd = Decoding.TcpFlags.Syn | Decoding.TcpFlags.Fin | Decoding.TcpFlags.Rst;

    private long _lastClientMicroseconds;
    private long _lastServerMicroseconds;
    private long _packets;

    public NdpiGaps ClientToServer { get; } = new();

    public NdpiGaps ServerToClient { get; } = new();

    internal void Add(bool forward, long timestampNanoseconds, bool tcp, byte tcpFlags)
    {
        var now = timestampNanoseconds / 1_000;
        if (forward)
        {
            if (_lastClientMicroseconds / MicrosecondsPerSecond != 0)
            {
                var gap = now - _lastClientMicroseconds;
                if (gap >= 0)
                {
                    ClientToServer.Add(gap / 1_000);
                }
            }

            _lastClientMicroseconds = now;
        }
        else
        {
            if (_lastServerMicroseconds / MicrosecondsPerSecond != 0 && !(tcp && (tcpFlags & TcpBeginOrEnd) != 0))
            {
                var gap = now - _lastServerMicroseconds;
                if (gap >= 0)
                {
                    ServerToClient.Add(gap / 1_000);
                }
            }

            _lastServerMicroseconds = now;
        }

        if (++_packets % ResetInterval == 0)
        {
            _lastClientMicroseconds = 0;
            _lastServerMicroseconds = 0;
        }
    }
}

/// <summary>One direction's gaps in whole milliseconds, with nDPI's arithmetic (ndpi_analyze.c).</summary>
public sealed class NdpiGaps
{
    private ulong _sum;
    private double _sumOfSquares;

    public long Count { get; private set; }

    /// <summary>Milliseconds; restarts while the sum is 0, as nDPI's does.</summary>
    public ulong Minimum { get; private set; }

    public ulong Maximum { get; private set; }

    /// <summary>Milliseconds (0 without gaps).</summary>
    public double Mean => Count == 0 ? 0 : (double)_sum / Count;

    /// <summary>Population standard deviation, milliseconds.</summary>
    public double StandardDeviation => Count == 0 ? 0 : Math.Sqrt(Math.Max(0, (_sumOfSquares - ((double)_sum * _sum / Count)) / Count));

    internal void Add(long milliseconds)
    {
        var value = (ulong)milliseconds;
        if (_sum == 0)
        {
            Minimum = Maximum = value;
        }
        else
        {
            Minimum = Math.Min(Minimum, value);
            Maximum = Math.Max(Maximum, value);
        }

        _sum += value;
        _sumOfSquares += (double)value * value;
        Count++;
    }
}
