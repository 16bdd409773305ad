using System.Globalization;
using System.Text.Json;
using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Classification.Evaluation;
using Jumpstart.Shared.Processes;

namespace Jumpstart.Bench.Classifier;

/// <summary>
/// The peer comparison of the <c>Classifier</c> tests, printed as benchmark lines: our baselines and
/// Weka / scikit-learn on the same exported splits (the peer programs live in the test project).
/// </summary>
public static class PeerRun
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(10);

    /// <summary>Prints one line per pair; returns the largest difference in percentage points.</summary>
    public static async Task<double> RunAsync(FlowDataset data, string root, int repeats, int seed, CancellationToken cancellationToken)
    {
        var splits = Directory.CreateTempSubdirectory("jumpstart-classifier-peers-");
        try
        {
            var options = new EvaluationOptions { Repeats = repeats, Seed = seed, Adaptability = false, UnknownClass = false, ExportDirectory = splits.FullName };
            var report = new EvaluationRunner(options).Run(data, "peers", cancellationToken);
            var peers = Path.Combine(root, "tests", "Jumpstart.Tests", "Classification", "Peers");
            string[] common = [splits.FullName, options.Trees.ToString(CultureInfo.InvariantCulture), seed.ToString(CultureInfo.InvariantCulture)];
            var sklearn = await RunPeerAsync("/usr/bin/python3", [Path.Combine(peers, "sklearn_peer.py"), .. common], cancellationToken);
            var weka = await RunPeerAsync("java", ["-cp", "/usr/share/java/weka.jar", Path.Combine(peers, "WekaPeer.java"), .. common], cancellationToken);
            var pairs = new (string Ours, double Error, string Peer, double PeerError)[]
            {
                ("j48", report.Splits.Average(s => s.J48), "weka_j48", weka["J48"]),
                ("j48", report.Splits.Average(s => s.J48), "sklearn_decisiontree", sklearn["DecisionTree"]),
                ("randomtree", report.Splits.Average(s => s.RandomTree), "weka_randomtree", weka["RandomTree"]),
                ("bagging", report.Splits.Average(s => s.Bagging), "weka_bagging_j48", weka["Bagging"]),
                ("randomforest", report.Splits.Average(s => s.RandomForest), "weka_randomforest", weka["RandomForest"]),
                ("randomforest", report.Splits.Average(s => s.RandomForest), "sklearn_randomforest", sklearn["RandomForest"]),
            };
            foreach (var p in pairs)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peer_{p.Ours}_vs_{p.Peer}: {p.Error:F4} vs {p.PeerError:F4} ({(p.Error - p.PeerError) * 100:+0.00;-0.00} pp, {report.Splits.Count} splits)"));
            }

            return pairs.Max(p => Math.Abs(p.Error - p.PeerError)) * 100;
        }
        finally
        {
            splits.Delete(recursive: true);
        }
    }

    /// <summary>Mean error per learner over the peer's JSON lines.</summary>
    private static async Task<Dictionary<string, double>> RunPeerAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(program, arguments, new ProcessRunOptions { Timeout = s_timeout }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new IOException($"{program} failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }

        var sums = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            foreach (var property in json.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number))
            {
                var (sum, count) = sums.GetValueOrDefault(property.Name);
                sums[property.Name] = (sum + property.Value.GetDouble(), count + 1);
            }
        }

        return sums.ToDictionary(p => p.Key, p => p.Value.Sum / p.Value.Count, StringComparer.Ordinal);
    }
}
