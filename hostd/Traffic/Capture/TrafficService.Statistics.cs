using Jumpstart.Hostd.Traffic.Pcap;

namespace Jumpstart.Hostd.Traffic.Capture;

public sealed partial class TrafficService
{
    /// <summary>The kernel's counters of every running capture, by interface (for hostd's metrics).</summary>
    public IReadOnlyList<(string Interface, PcapStatistics Statistics)> CaptureStatistics()
    {
        LiveFlowCapture[] captures;
        lock (_captures)
        {
            captures = [.. _captures.Values];
        }

        var result = new List<(string, PcapStatistics)>(captures.Length);
        foreach (var capture in captures)
        {
            try
            {
                result.Add((capture.Device, capture.Statistics()));
            }
            catch (ObjectDisposedException)
            {
                // Stopped between the copy and the call: its handle is closed, and it is no longer a running capture.
            }
        }

        return result;
    }
}
