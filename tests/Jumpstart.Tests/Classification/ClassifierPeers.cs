using System.Globalization;
using System.Text.Json;
using Jumpstart.Shared.Processes;
using Jumpstart.Tests.Support;

namespace Jumpstart.Tests.Classification;

/// <summary>
/// Runs the independent peers on exported splits: scikit-learn with Debian's /usr/bin/python3
/// (RandomForestClassifier, DecisionTreeClassifier) and Weka from Debian's weka.jar (J48,
/// RandomTree, Bagging of J48, RandomForest). Returns test error per split and learner.
/// </summary>
internal static class ClassifierPeers
{
    public const string Python = "/usr/bin/python3";
    public const string Java = "java";
    public const string WekaJar = "/usr/share/java/weka.jar";
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    public static Task<Dictionary<string, Dictionary<string, double>>> SklearnAsync(string splits, int trees, int seed)
        => RunAsync(Python, [Script("sklearn_peer.py"), splits, Number(trees), Number(seed)]);

    public static Task<Dictionary<string, Dictionary<string, double>>> WekaAsync(string splits, int trees, int seed)
    {
        if (!File.Exists(WekaJar))
        {
            throw new InvalidOperationException($"{WekaJar} is missing (Debian package weka; packaging/setup installs it)");
        }

        return RunAsync(Java, ["-cp", WekaJar, Script("WekaPeer.java"), splits, Number(trees), Number(seed)]);
    }

    /// <summary>Mean of one learner's errors over all splits.</summary>
    public static double Mean(Dictionary<string, Dictionary<string, double>> results, string learner) => results.Values.Average(r => r[learner]);

    private static async Task<Dictionary<string, Dictionary<string, double>>> RunAsync(string tool, IEnumerable<string> arguments)
    {
        var result = await Requirements.RunToolAsync(tool, arguments, new ProcessRunOptions { Timeout = s_timeout });
        var parsed = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var json = JsonDocument.Parse(line);
            var errors = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var property in json.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number))
            {
                errors[property.Name] = property.Value.GetDouble();
            }

            parsed[json.RootElement.GetProperty("split").GetString()!] = errors;
        }

        return parsed;
    }

    private static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Classification", "Peers", name);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
