using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Jumpstart.Hostd.Traffic.Flows;
using Jumpstart.Hostd.Traffic.Pcap;
using Jumpstart.Hostd.Traffic.Storage;
using Jumpstart.Tests.Traffic;

namespace Jumpstart.Bench.Flows;

public static partial class FlowsBench
{
    private const int EthernetIpv4SecondOctets = 14 + 12 + 1;

    /// <summary>
    /// One large Ethernet capture made of the shared nDPI captures (Ethernet ones) repeated with the
    /// IPv4 addresses' second octet shifted per copy (distinct flows each copy), then our extraction
    /// (one thread, features and NIMS vector per flow) and ndpiReader on the same file, twice each.
    /// </summary>
    private static async Task OfflineAsync(BenchOptions options, List<string> summary)
    {
        var data = options.Data ?? NdpiOracle.FindDataDirectory(AppContext.BaseDirectory);
        if (data is null)
        {
            Console.WriteLine("offline: skipped (no ../shared/data/ndpi to build the capture from)");
            return;
        }

        var path = options.KeepCapture ?? Path.Combine(Path.GetTempPath(), $"flows-bench-{Environment.ProcessId}.pcap");
        try
        {
            var (packets, bytes) = BuildCapture(Path.Combine(data, "pcap"), path, options.Packets);
            Console.WriteLine($"offline_capture_packets: {packets}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"offline_capture_mib: {bytes / 1048576.0:0.0}"));
            double ours = 0, theirs = 0;
            for (var round = 0; round < 2; round++)
            {
                ours = Math.Max(ours, Ours(path, packets));
                theirs = Math.Max(theirs, await NdpiReaderAsync(path, packets));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"offline_ours_pps: {ours:0}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"offline_ndpireader_pps: {theirs:0}"));
            if (theirs > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"offline_ratio: {ours / theirs:0.00}"));
                summary.Add(string.Create(CultureInfo.InvariantCulture, $"offline {ours / 1e6:0.00} Mpps vs ndpiReader {theirs / 1e6:0.00} Mpps = {ours / theirs:0.00}x"));
            }
        }
        finally
        {
            if (options.KeepCapture is null)
            {
                File.Delete(path);
            }
        }
    }

    private static double Ours(string path, long expected)
    {
        GC.Collect();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var flows = 0L;
        var clock = Stopwatch.StartNew();
        var counters = FlowExtractor.ExtractFile(path, new FlowTableOptions(), flow =>
        {
            _ = FlowRow.From(flow);
            flows++;
        });
        var seconds = clock.Elapsed.TotalSeconds;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"offline_ours_run: {counters.TotalPackets} packets ({expected} written), {flows} flows, {seconds:0.000} s, {counters.TotalPackets / seconds:0} pps, {(double)allocated / counters.TotalPackets:0.0} B allocated/packet, {(double)allocated / Math.Max(1, flows):0} B/flow"));
        return counters.TotalPackets / seconds;
    }

    private static async Task<double> NdpiReaderAsync(string path, long packets)
    {
        var tool = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "ndpiReader")).FirstOrDefault(File.Exists);
        if (tool is null)
        {
            Console.WriteLine("offline_ndpireader: missing (apt-get install libndpi-bin)");
            return 0;
        }

        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-i");
        start.ArgumentList.Add(path);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var wall = clock.Elapsed.TotalSeconds;
        var text = await stdout + await stderr;
        var processing = Regex.Match(text, @"Packet Processing Time:\s+(\d+) msec");
        var seconds = processing.Success ? int.Parse(processing.Groups[1].Value, CultureInfo.InvariantCulture) / 1000.0 : wall;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"offline_ndpireader_run: exit {process.ExitCode}, processing {seconds:0.000} s (its own 'Packet Processing Time'), wall {wall:0.000} s, {packets / seconds:0} pps"));
        return packets / seconds;
    }

    private static (long Packets, long Bytes) BuildCapture(string pcapDirectory, string path, long target)
    {
        var files = Directory.GetFiles(pcapDirectory).Order(StringComparer.Ordinal).ToList();
        long written = 0, bytes = 0, clock = 1_600_000_000L * 1_000_000_000;
        using var writer = new PcapFileWriter(path, LinkTypes.Ethernet);
        var buffer = new byte[PcapSource.MaxRecordLength];
        for (var copy = 0; written < target; copy++)
        {
            var before = written;
            foreach (var file in files)
            {
                try
                {
                    using var source = PcapSource.OpenFile(file);
                    if (source.LinkType != LinkTypes.Ethernet)
                    {
                        continue;
                    }

                    long previous = -1;
                    while (written < target && source.TryRead(out var packet, out var data) == PcapReadResult.Packet)
                    {
                        var gap = previous < 0 ? 1_000_000 : Math.Clamp(packet.TimestampNanoseconds - previous, 0, 1_000_000_000);
                        previous = packet.TimestampNanoseconds;
                        clock += gap;
                        data.CopyTo(buffer);
                        if (data.Length > EthernetIpv4SecondOctets + 4 && BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(12)) == 0x0800)
                        {
                            buffer[EthernetIpv4SecondOctets] += (byte)copy;
                            buffer[EthernetIpv4SecondOctets + 4] += (byte)copy;
                        }

                        writer.Write(packet with { TimestampNanoseconds = clock }, buffer.AsSpan(0, data.Length));
                        written++;
                        bytes += data.Length + 16;
                    }
                }
                catch (PcapException)
                {
                    // A capture libpcap stops on part-way: keep what was read.
                }

                if (written >= target)
                {
                    break;
                }
            }

            if (written == before)
            {
                break;
            }
        }

        return (written, bytes);
    }
}
