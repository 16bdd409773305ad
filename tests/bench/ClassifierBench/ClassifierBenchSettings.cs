using System.Globalization;

namespace Jumpstart.Bench.Classifier;

/// <summary>Command-line settings: <c>--data CSV</c>, <c>--repeats N</c> (20), <c>--seed N</c> (1), <c>--peers N</c> (0: no peer run; N repeats of Weka and scikit-learn).</summary>
public sealed record ClassifierBenchSettings(string Data, int Repeats, int Seed, int PeerRepeats)
{
    private const int MaxRepeats = 1000;

    /// <summary>Null with a message on bad input.</summary>
    public static ClassifierBenchSettings? Parse(IReadOnlyList<string> args, string defaultData, out string? error)
    {
        var data = defaultData;
        var repeats = 20;
        var seed = 1;
        var peers = 0;
        error = null;
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--data" => (data = value ?? string.Empty).Length > 0,
                "--repeats" => int.TryParse(value, CultureInfo.InvariantCulture, out repeats) && repeats is > 0 and <= MaxRepeats,
                "--seed" => int.TryParse(value, CultureInfo.InvariantCulture, out seed),
                "--peers" => int.TryParse(value, CultureInfo.InvariantCulture, out peers) && peers is >= 0 and <= MaxRepeats,
                _ => false,
            };
            if (!ok)
            {
                error = $"bad option or value near '{args[i]}'";
                return null;
            }
        }

        return new ClassifierBenchSettings(data, repeats, seed, peers);
    }
}
