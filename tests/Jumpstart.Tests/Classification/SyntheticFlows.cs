using Jumpstart.Hostd.Classification;

namespace Jumpstart.Tests.Classification;

/// <summary>
/// Small generated flow data for unit tests (the team's real data is never copied into the repository):
/// each class is a mixture of two Gaussian blobs over positive, flow-like features, one feature an
/// integer "protocol" code, with enough overlap that no learner is perfect.
/// </summary>
internal static class SyntheticFlows
{
    public static readonly string[] Features = ["min_len", "mean_len", "max_len", "mean_iat", "duration", "proto", "packets", "bytes"];

    /// <summary>
    /// <paramref name="seed"/> fixes the problem (blob centres); <paramref name="sample"/> draws
    /// another sample of the same problem (e.g. a test set).
    /// </summary>
    public static FlowDataset Make(int perClass, int classes = 4, int seed = 7, double spread = 1.0, int sample = 0)
    {
        var random = new Random(seed);
        var centers = new double[classes * 2, Features.Length];
        for (var k = 0; k < classes * 2; k++)
        {
            for (var f = 0; f < Features.Length; f++)
            {
                centers[k, f] = 2 + (random.NextDouble() * 10);
            }
        }

        random = new Random((seed * 7919) + sample + 1);
        var values = new List<double>();
        var labels = new List<int>();
        for (var c = 0; c < classes; c++)
        {
            for (var i = 0; i < perClass; i++)
            {
                var blob = (c * 2) + (i % 2);
                for (var f = 0; f < Features.Length; f++)
                {
                    var value = f == 5 ? (c % 2 == 0 ? 6 : 17) : Math.Abs(centers[blob, f] + (Gaussian(random) * 1.6 * spread));
                    values.Add(Math.Round(value * 100));
                }

                labels.Add(c);
            }
        }

        return new FlowDataset(Features, [.. Enumerable.Range(0, classes).Select(c => $"app{c}")], [.. values], [.. labels]);
    }

    private static double Gaussian(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
