namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// Inter-arrival times as ndpiReader computes them (nDPI's example/reader_util.c, packet_processing,
/// and src/lib/ndpi_analyze.c, ndpi_data_add_value), so its printed figures can be reproduced field by
/// field. Its rules, which differ from the NIMS definitions of <see cref="FlowDirection"/>:
/// <list type="bullet">
/// <item>timestamps are microseconds (libpcap's default precision), a gap is whole milliseconds,
/// truncated (<c>tv_sec * 1000 + tv_usec / 1000</c>);</item>
/// <item>client to server a negative gap is left out; server to client it wraps to 2^64 − n (u_int64_t);</item>
/// <item>server to client: the gap before a TCP packet with SYN, FIN or RST is left out
/// (<c>begin_or_end_tcp</c>), the packet's time still becomes the reference;</item>
/// <item>after every 10th packet of the flow both reference times are cleared, so the next gap of
/// each direction is left out, as is any gap whose reference time has 0 seconds;</item>
/// <item>minimum and maximum restart while the sum of the gaps is still 0; the standard deviation is
/// the population one.</item>
/// </list>
/// </summary>
public sealed class NdpiInterArrival
{
    /// <summary>ndpiReader's <c>max_num_packets_per_flow</c> as the reference outputs were made (10): the reference times are cleared every this many packets.</summary>
    public const int ResetInterval = 10;

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
            // Client to server: a gap whose tv_sec is negative (the packet is older) is left out.
            if (_lastClientMicroseconds / MicrosecondsPerSecond != 0 && now >= _lastClientMicroseconds)
            {
                ClientToServer.Add(Milliseconds(now - _lastClientMicroseconds));
            }

            _lastClientMicroseconds = now;
        }
        else
        {
            // Server to client: no such check, so a negative gap wraps to 2^64 - n as ndpiReader's u_int64_t does.
            if (_lastServerMicroseconds / MicrosecondsPerSecond != 0 && !(tcp && (tcpFlags & TcpBeginOrEnd) != 0))
            {
                ServerToClient.Add(Milliseconds(now - _lastServerMicroseconds));
            }

            _lastServerMicroseconds = now;
        }

        if (++_packets % ResetInterval == 0)
        {
            _lastClientMicroseconds = 0;
            _lastServerMicroseconds = 0;
        }
    }

    /// <summary><c>ndpi_timeval_to_milliseconds</c> of a normalised <c>timeval</c> difference (tv_usec in [0, 10^6)), as u_int64_t.</summary>
    private static ulong Milliseconds(long microseconds)
    {
        var seconds = Math.DivRem(microseconds, MicrosecondsPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += MicrosecondsPerSecond;
        }

        return unchecked((ulong)((seconds * 1_000) + (rest / 1_000)));
    }
}

/// <summary>
/// One direction's gaps in whole milliseconds with nDPI's arithmetic (src/lib/ndpi_analyze.c): u_int64_t
/// sums that wrap, single-precision average and variance (sum of squares − sum² / n) / n, clamped at 0.
/// </summary>
public sealed class NdpiGaps
{
    private ulong _sum;
    private ulong _sumOfSquares;

    public long Count { get; private set; }

    /// <summary>Milliseconds; restarts while the sum is 0, as nDPI's does.</summary>
    public ulong Minimum { get; private set; }

    public ulong Maximum { get; private set; }

    /// <summary>Milliseconds (0 without gaps), computed in single precision as ndpi_data_average.</summary>
    public double Mean => Count == 0 ? 0 : (float)_sum / (float)Count;

    /// <summary>Population standard deviation, milliseconds, computed in single precision as ndpi_data_stddev.</summary>
    public double StandardDeviation
    {
        get
        {
            if (Count == 0)
            {
                return 0;
            }

            float sum = _sum;
            var variance = ((float)_sumOfSquares - (sum * sum / Count)) / Count;
            return (float)Math.Sqrt(variance < 0 ? 0 : variance);
        }
    }

    internal void Add(ulong value)
    {
        if (_sum == 0)
        {
            Minimum = Maximum = value;
        }
        else
        {
            Minimum = Math.Min(Minimum, value);
            Maximum = Math.Max(Maximum, value);
        }

        unchecked
        {
            _sum += value;
            _sumOfSquares += value * value;
        }

        Count++;
    }
}
