using Jumpstart.Hostd.Traffic.Decoding;
using Jumpstart.Hostd.Traffic.Pcap;

namespace Jumpstart.Hostd.Traffic.Flows;

/// <summary>
/// Reads packets from a <see cref="PcapSource"/>, decodes them and feeds a <see cref="FlowTable"/>.
/// A bad packet is counted and skipped; only libpcap failing (a corrupt file mid-way, an interface
/// gone) ends the run early, with <see cref="PcapException"/> after the flows so far were finished.
/// </summary>
public static class FlowExtractor
{
    private const int CancellationCheckInterval = 4_096;

    /// <summary>Reads <paramref name="source"/> to its end (or <see cref="PcapSource.Stop"/>), then finishes every open flow.</summary>
    /// <param name="source">Where packets come from.</param>
    /// <param name="table">Where decoded packets go.</param>
    /// <param name="tee">Also writes every packet read to this capture file (null: none).</param>
    /// <param name="onTimeout">Called when a live read times out (idle interface), e.g. to expire flows.</param>
    /// <param name="cancellationToken">Checked every few thousand packets and on every read timeout.</param>
    public static void Run(PcapSource source, FlowTable table, ICaptureFileWriter? tee = null, Action<FlowTable>? onTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(table);
        var decoded = default(DecodedPacket);
        var counters = table.Counters;
        var linkType = source.LinkType;
        var tunnels = table.Options.Tunnels;
        var sinceCheck = 0;
        try
        {
            while (true)
            {
                var result = source.TryRead(out var packet, out var data);
                if (result == PcapReadResult.Packet)
                {
                    tee?.Write(packet, data);
                    switch (PacketDecoder.Decode(linkType, data, packet.WireLength, ref decoded, tunnels))
                    {
                        case DecodeStatus.Ok:
                            table.Add(decoded, packet.TimestampNanoseconds, packet.WireLength);
                            if (decoded.TunnelDepth > 0)
                            {
                                counters.TunnelledPackets++;
                            }

                            break;
                        case DecodeStatus.NotIp:
                            counters.NonIpPackets++;
                            break;
                        case DecodeStatus.Truncated:
                            counters.TruncatedPackets++;
                            break;
                        case DecodeStatus.UnsupportedLink:
                            counters.CountUnsupportedLink(linkType);
                            break;
                        case DecodeStatus.BadTunnel:
                            counters.BadTunnelPackets++;
                            break;
                        default:
                            counters.MalformedPackets++;
                            break;
                    }

                    if (++sinceCheck < CancellationCheckInterval)
                    {
                        continue;
                    }

                    sinceCheck = 0;
                }
                else if (result == PcapReadResult.Timeout)
                {
                    onTimeout?.Invoke(table);
                }
                else
                {
                    return;
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            table.FinishAll();
        }
    }

    /// <summary>Extracts the flows of a capture file; <paramref name="finished"/> gets each flow as it ends.</summary>
    public static FlowCounters ExtractFile(string path, FlowTableOptions options, Action<Flow> finished, CancellationToken cancellationToken = default)
        => ExtractFile(path, new FlowTable(options, finished), cancellationToken);

    /// <summary>Extracts the flows of a capture file into <paramref name="table"/> (whose counters another thread may read for progress).</summary>
    public static FlowCounters ExtractFile(string path, FlowTable table, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var source = PcapSource.OpenFile(path);
        Run(source, table, cancellationToken: cancellationToken);
        return table.Counters;
    }
}
