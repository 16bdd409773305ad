using System.Globalization;
using System.Text.RegularExpressions;
using Jumpstart.Hostd.Metrics;

namespace Jumpstart.Tests.Metrics;

/// <summary>Reads samples out of the Prometheus text format, as a scraper sees them.</summary>
internal static partial class MetricsText
{
    /// <summary>What <paramref name="exporter"/> serves right now.</summary>
    public static async Task<string> ScrapeAsync(MetricsExporter exporter)
    {
        using var output = new MemoryStream();
        await exporter.WriteAsync(output, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when there is none).</summary>
    public static double Sum(string text, string name, params (string Key, string Value)[] labels)
        => Samples(text, name).Where(s => labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    /// <summary>Every sample of <paramref name="name"/> with its labels.</summary>
    public static IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> Samples(string text, string name)
    {
        var samples = new List<(IReadOnlyDictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' '))
            {
                continue; // Another metric whose name starts with this one.
            }

            var space = rest.LastIndexOf(' ');
            var labels = LabelPattern().Matches(rest[..space]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            samples.Add((labels, double.Parse(rest[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPattern();
}
