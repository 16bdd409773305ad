using Jumpstart.Hostd.Traffic.Flows;

namespace Jumpstart.Tests.Traffic;

/// <summary>Runs the extractor over every capture of nDPI's test set and compares with its result files.</summary>
public static class NdpiOracle
{
    /// <summary>The shared data folder (<c>&lt;repo&gt;/../shared/data/ndpi</c>), or null when it is absent.</summary>
    public static string? FindDataDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Daemons.sln")))
            {
                var data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "ndpi"));
                return Directory.Exists(Path.Combine(data, "pcap")) ? data : null;
            }
        }

        return null;
    }

    public static NdpiAgreement Compare(string ndpiDirectory, FlowTableOptions options)
    {
        var agreement = new NdpiAgreement();
        foreach (var pcap in Directory.GetFiles(Path.Combine(ndpiDirectory, "pcap")).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(pcap);
            var result = Path.Combine(ndpiDirectory, "result", name + ".out");
            if (!File.Exists(result))
            {
                continue;
            }

            var reference = NdpiReferenceFlow.ParseFile(result);
            var ours = new List<Flow>();
            try
            {
                FlowExtractor.ExtractFile(pcap, options, ours.Add);
            }
            catch (Hostd.Traffic.Pcap.PcapException ex)
            {
                // A capture libpcap stops reading part-way: compare what was read (ndpiReader stops there too).
                agreement.Differences.Add($"{name}: libpcap: {ex.Message}");
            }

            agreement.AddCapture(name, reference, ours);
        }

        return agreement;
    }
}
