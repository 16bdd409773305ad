using System.Diagnostics;
using System.Globalization;
using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Classification.Evaluation;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Bench.Classifier;

/// <summary>
/// Measures Co-Forest training (6 trees, 3,000 labeled + 7,000 unlabeled flows), single-thread
/// prediction rate, and runs the paper's evaluation; checks the targets and prints
/// <c>key: value</c> lines ending with <c>summary:</c>.
/// </summary>
public sealed class ClassifierBenchRun(ClassifierBenchSettings settings, string root)
{
    private const int LabeledForTiming = 3000;
    private const int UnlabeledForTiming = 7000;
    private const int TimingRuns = 3;
    private const double TrainingTargetSeconds = 2;
    private const double PredictionTargetPerSecond = 1_000_000;
    private const double ImprovementTarget = 0.10;
    private static readonly TimeSpan s_predictionWindow = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Data))
        {
            Console.Error.WriteLine($"classifier bench: data file {settings.Data} is missing (the team folder ../shared/data)");
            return ExitCodes.NoInput;
        }

        var data = FlowDatasetCsv.Load(settings.Data);
        Print("data", $"{settings.Data} ({data.Count} flows, {data.ClassCount} classes, {data.FeatureCount} features)");
        Print("cores", Environment.ProcessorCount);

        var (labeled, unlabeled) = TimingSets(data);
        var coForest = new CoForestLearner();
        var trainingSeconds = new List<double>();
        var cpuSeconds = new List<double>();
        CoForestResult? trained = null;
        using var process = Process.GetCurrentProcess();
        for (var run = 0; run < TimingRuns; run++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            trained = coForest.Train(labeled, unlabeled, settings.Seed + run, cancellationToken);
            trainingSeconds.Add(clock.Elapsed.TotalSeconds);
            process.Refresh();
            cpuSeconds.Add((process.TotalProcessorTime - cpu).TotalSeconds);
        }

        var training = trainingSeconds.Order().ElementAt(TimingRuns / 2);
        Print("coforest_train_seconds", $"{training:F3} (median of {TimingRuns}; 6 trees, {labeled.Count} labeled + {unlabeled.Count} unlabeled, {trained!.Rounds} rounds)");
        Print("coforest_train_cpu_seconds", $"{cpuSeconds.Order().ElementAt(TimingRuns / 2):F3} (both cores together; wall time on an idle 2-core machine is about half)");
        Print("load_average", File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?");
        var forestClock = Stopwatch.StartNew();
        BaggingLearner.RandomForest().Train(labeled, settings.Seed);
        Print("randomforest_train_seconds", $"{forestClock.Elapsed.TotalSeconds:F3}");

        var rate = PredictionRate(trained.Final, data);
        Print("predict_flows_per_second", $"{rate:F0} (one thread, Co-Forest 6 trees, {trained.Final.Trees.Sum(t => t.NodeCount)} nodes)");

        var options = new EvaluationOptions { Repeats = settings.Repeats, Seed = settings.Seed };
        var progress = new Progress<string>(_ => { });
        var report = new EvaluationRunner(options, progress).Run(data, settings.Data, cancellationToken);
        Console.Write(EvaluationTable.Format(report));

        var beatsForest = report.Rates.All(r => r.CoForestFinal < r.RandomForest);
        var at80 = report.Rates.OrderBy(r => Math.Abs(r.UnlabeledRate - 0.8)).First();
        foreach (var r in report.Rates)
        {
            Print($"ratio_coforest_final_to_randomforest_u{r.UnlabeledRate * 100:F0}", $"{r.CoForestFinal / r.RandomForest:F3}");
        }

        Print("improvement_u80", $"{at80.Improvement:P1}");
        var peerNote = "";
        if (settings.PeerRepeats > 0)
        {
            var worst = await PeerRun.RunAsync(data, root, settings.PeerRepeats, settings.Seed, cancellationToken);
            Print("peer_max_difference_pp", $"{worst:F2} (tolerance 1.00)");
            peerNote = string.Create(CultureInfo.InvariantCulture, $", baselines within {worst:F2} pp of Weka/scikit-learn");
        }

        var checks = new[]
        {
            ("coforest_below_randomforest_every_rate", beatsForest),
            ("improvement_u80_at_least_10pct", at80.Improvement >= ImprovementTarget),
            ("training_within_2s", training <= TrainingTargetSeconds),
            ("prediction_at_least_1M_per_s", rate >= PredictionTargetPerSecond),
        };
        foreach (var (name, met) in checks)
        {
            Print($"target_{name}", met ? "met" : "MISSED");
        }

        Print("summary", string.Create(CultureInfo.InvariantCulture,
            $"train {training:F2} s, predict {rate / 1e6:F2} M flows/s, error u80 RF {at80.RandomForest:F4} vs Co-Forest {at80.CoForestFinal:F4} (improvement {at80.Improvement:P1}), Co-Forest < RF at {report.Rates.Count(r => r.CoForestFinal < r.RandomForest)}/{report.Rates.Count} rates, targets met {checks.Count(c => c.Item2)}/{checks.Length}{peerNote}"));
        return ExitCodes.Ok;
    }

    private (FlowDataset Labeled, FlowDataset Unlabeled) TimingSets(FlowDataset data)
    {
        var order = Enumerable.Range(0, data.Count).ToArray();
        new Random(settings.Seed).Shuffle(order);
        var labeledCount = Math.Min(LabeledForTiming, data.Count / 2);
        return (data.Subset(order[..labeledCount]), data.Subset(order[labeledCount..Math.Min(data.Count, labeledCount + UnlabeledForTiming)]));
    }

    private static double PredictionRate(ClassifierModel model, FlowDataset data)
    {
        var checksum = 0L;
        long flows = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_predictionWindow)
        {
            for (var i = 0; i < data.Count; i++)
            {
                checksum += model.PredictClass(data.Row(i));
            }

            flows += data.Count;
        }

        GC.KeepAlive(checksum);
        return flows / clock.Elapsed.TotalSeconds;
    }

    private static void Print(string key, object value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}: {value}"));
}
