using Jumpstart.Hostd.Traffic.Flows;

namespace Jumpstart.Hostd.Traffic.Features;

/// <summary>
/// The 22 NetMate/Flowtbag-style features of the NIMS data set, in the column order and with the
/// names of its CSV header, so a model trained on NIMS applies to flows captured here.
/// </summary>
/// <remarks>
/// Definitions follow netmate-flowcalc and Flowtbag (D. Arndt), which produced NIMS: packet lengths
/// are IP packet lengths (IP header included, link layer excluded), bytes; inter-arrival times and
/// the duration are microseconds; volumes are sums of IP lengths; "f" is forward (the first
/// packet's direction), "b" backward; std is the sample standard deviation (n - 1). Like those
/// tools every value is an integer (means and deviations truncated); a direction without packets,
/// or without two packets for inter-arrival times, gives 0.
/// </remarks>
public static class NimsFeatures
{
    /// <summary>The feature names, in order (the NIMS header without its trailing <c>class</c> column).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "min_fpktl", "mean_fpktl", "max_fpktl", "std_fpktl",
        "min_bpktl", "mean_bpktl", "max_bpktl", "std_bpktl",
        "min_fiat", "mean_fiat", "max_fiat", "std_fiat",
        "min_biat", "mean_biat", "max_biat", "std_biat",
        "duration", "proto",
        "total_fpackets", "total_fvolume", "total_bpackets", "total_bvolume",
    ];

    /// <summary>The NIMS label column's name.</summary>
    public const string ClassColumn = "class";

    /// <summary>The feature vector of <paramref name="flow"/>, in <see cref="Names"/> order.</summary>
    public static double[] Vector(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var vector = new double[Names.Count];
        var forward = flow.Forward;
        var backward = flow.Backward;
        Fill(vector.AsSpan(0, 4), forward.IpLengths);
        Fill(vector.AsSpan(4, 4), backward.IpLengths);
        Fill(vector.AsSpan(8, 4), forward.InterArrivalMicroseconds);
        Fill(vector.AsSpan(12, 4), backward.InterArrivalMicroseconds);
        vector[16] = Math.Floor(flow.DurationNanoseconds / 1_000.0);
        vector[17] = flow.Protocol;
        vector[18] = forward.Packets;
        vector[19] = forward.IpBytes;
        vector[20] = backward.Packets;
        vector[21] = backward.IpBytes;
        return vector;
    }

    private static void Fill(Span<double> minMeanMaxStd, RunningStatistics statistics)
    {
        if (statistics.Count == 0)
        {
            minMeanMaxStd.Clear();
            return;
        }

        minMeanMaxStd[0] = Math.Floor(statistics.Minimum);
        minMeanMaxStd[1] = Math.Floor(statistics.Mean);
        minMeanMaxStd[2] = Math.Floor(statistics.Maximum);
        minMeanMaxStd[3] = Math.Floor(statistics.SampleStandardDeviation);
    }
}
