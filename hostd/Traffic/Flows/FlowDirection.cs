namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// What one direction of a flow carried. "Forward" is the direction of the flow's first packet
/// (the initiator's upload); "backward" is the reply (download).
/// </summary>
public struct FlowDirection
{
    /// <summary>Packets seen, including truncated ones and IP fragments.</summary>
    public long Packets { get; private set; }

    /// <summary>Bytes on the wire: whole link-layer frames at their original length, however much was captured.</summary>
    public long Bytes { get; private set; }

    /// <summary>Bytes of the IP packets (their own length fields), without link-layer headers.</summary>
    public long IpBytes { get; private set; }

    /// <summary>Time of the first packet, nanoseconds since the Unix epoch (0: none).</summary>
    public long FirstNanoseconds { get; private set; }

    /// <summary>Time of the last packet, nanoseconds since the Unix epoch (0: none).</summary>
    public long LastNanoseconds { get; private set; }

    private RunningStatistics _frameLengths;
    private RunningStatistics _ipLengths;
    private RunningStatistics _interArrival;

    /// <summary>Frame lengths, bytes (wire length).</summary>
    public readonly RunningStatistics FrameLengths => _frameLengths;

    /// <summary>IP packet lengths, bytes.</summary>
    public readonly RunningStatistics IpLengths => _ipLengths;

    /// <summary>Times between consecutive packets of this direction, microseconds.</summary>
    public readonly RunningStatistics InterArrivalMicroseconds => _interArrival;

    /// <summary>Packets with TCP PSH set.</summary>
    public long PushPackets { get; private set; }

    /// <summary>TCP flags seen, ORed.</summary>
    public byte TcpFlags { get; private set; }

    public void Add(long timestampNanoseconds, int wireLength, int ipLength, byte tcpFlags)
    {
        if (Packets > 0)
        {
            // Capture files are not always in time order: a negative gap counts as zero.
            _interArrival.Add(Math.Max(0, timestampNanoseconds - LastNanoseconds) / 1_000.0);
        }
        else
        {
            FirstNanoseconds = timestampNanoseconds;
        }

        Packets++;
        Bytes += wireLength;
        IpBytes += ipLength;
        LastNanoseconds = Math.Max(LastNanoseconds, timestampNanoseconds);
        _frameLengths.Add(wireLength);
        _ipLengths.Add(ipLength);
        TcpFlags |= tcpFlags;
        if ((tcpFlags & Decoding.TcpFlags.Psh) != 0)
        {
            PushPackets++;
        }
    }
}
