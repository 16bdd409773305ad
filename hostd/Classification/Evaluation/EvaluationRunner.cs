using System.Collections.Concurrent;
using System.Diagnostics;

namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>
/// Runs the paper's section 4 protocol on a labeled data set: every split of every repeat trains
/// J4.8, Random Tree, Bagging (of C4.5), Random Forest and Co-Forest (N trees each) on L (Co-Forest
/// also on U) and measures the test error; then the adaptability and unknown-class runs.
/// Deterministic for a seed; splits run in parallel.
/// </summary>
public sealed class EvaluationRunner(EvaluationOptions options, IProgress<string>? progress = null)
{
    private const int LearnerStreams = 8;

    public EvaluationReport Run(FlowDataset data, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (options.Repeats < 1 || options.Repeats > EvaluationOptions.MaxRepeats || options.UnlabeledRates.Count == 0
            || options.UnlabeledRates.Any(r => r is < 0 or >= 1) || options.TrainingPerClass < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "repeats 1..1000, unlabeled rates in [0, 1), at least 2 training flows per class");
        }

        var clock = Stopwatch.StartNew();
        var splits = Enumerable.Range(0, options.Repeats).SelectMany(r => EvaluationSplits.Draw(data, options, r)).ToArray();
        if (splits.FirstOrDefault(s => s.Labeled.Length == 0 || s.Test.Length == 0) is { } empty)
        {
            throw new ClassificationDataException($"{name}: too few flows: at {empty.UnlabeledRate:P0} unlabeled the split has {empty.Labeled.Length} labeled and {empty.Test.Length} test flows");
        }
        if (options.ExportDirectory is { } directory)
        {
            SplitExport.Write(data, splits, directory);
            progress?.Report($"exported {splits.Length} splits to {directory}");
        }

        var results = new ConcurrentBag<SplitResult>();
        var done = 0;
        Parallel.ForEach(splits, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, split =>
        {
            results.Add(RunSplit(data, split, cancellationToken));
            var finished = Interlocked.Increment(ref done);
            progress?.Report($"split {finished}/{splits.Length} ({split.Name})");
        });
        var ordered = results.OrderBy(r => r.Repeat).ThenBy(r => r.UnlabeledRate).ToArray();
        var rates = options.UnlabeledRates.Select(rate => Summarize(rate, ordered.Where(r => r.UnlabeledRate == rate).ToArray())).ToArray();
        var adaptability = options.Adaptability ? RunAdaptability(data, cancellationToken) : [];
        var unknownRate = options.UnlabeledRates.Min();
        var unknown = options.UnknownClass ? RunUnknown(data, unknownRate, cancellationToken) : [];
        return new EvaluationReport(name, data.Count, data.ClassCount, data.FeatureCount, options.Repeats, options.TrainingPerClass, options.Trees,
            options.Confidence, options.Seed, rates, adaptability, unknownRate, unknown, ordered, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Fraction of <paramref name="test"/> rows the model answers wrongly (unknown counts as wrong).</summary>
    public static double Error(ClassifierModel model, FlowDataset data, IReadOnlyList<int> test)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(test);
        var wrong = 0;
        foreach (var row in test)
        {
            wrong += model.PredictClass(data.Row(row)) != data.Labels[row] ? 1 : 0;
        }

        return test.Count == 0 ? 0 : (double)wrong / test.Count;
    }

    private SplitResult RunSplit(FlowDataset data, EvaluationSplit split, CancellationToken cancellationToken)
    {
        var labeled = data.Subset(split.Labeled);
        var unlabeled = data.Subset(split.Unlabeled);
        var stream = (split.Repeat * 100) + (int)Math.Round(split.UnlabeledRate * 100);
        int Seed(int learner) => Seeds.Derive(options.Seed, stream, learner);
        var j48 = Error(SingleTreeLearner.J48().Train(labeled, Seed(0)), data, split.Test);
        var randomTree = Error(SingleTreeLearner.RandomTree().Train(labeled, Seed(1)), data, split.Test);
        var bagging = Error(BaggingLearner.Bagging(options.Trees).Train(labeled, Seed(2)), data, split.Test);
        var forest = Error(BaggingLearner.RandomForest(options.Trees).Train(labeled, Seed(3)), data, split.Test);
        var coForest = CoForest().Train(labeled, unlabeled, Seed(4), cancellationToken);
        return new SplitResult(split.Name, split.Repeat, split.UnlabeledRate, split.Labeled.Length, split.Unlabeled.Length, split.Test.Length,
            j48, randomTree, bagging, forest, Error(coForest.Initial, data, split.Test), Error(coForest.Final, data, split.Test), coForest.Rounds);
    }

    private CoForestLearner CoForest() => new(new CoForestOptions { Trees = options.Trees, Confidence = options.Confidence });

    private static RateResult Summarize(double rate, SplitResult[] runs)
    {
        var initial = runs.Average(r => r.CoForestInitial);
        var final = runs.Average(r => r.CoForestFinal);
        return new RateResult(rate, runs.Average(r => r.Labeled), runs.Average(r => r.Unlabeled), runs.Average(r => r.J48), runs.Average(r => r.RandomTree),
            runs.Average(r => r.Bagging), runs.Average(r => r.RandomForest), initial, final, initial > 0 ? (initial - final) / initial : 0, runs.Average(r => r.CoForestRounds));
    }

    private AdaptabilityResult[] RunAdaptability(FlowDataset data, CancellationToken cancellationToken)
    {
        var splits = Enumerable.Range(0, options.Repeats).SelectMany(r => EvaluationSplits.DrawShifted(data, options, r)).ToArray();
        var results = new ConcurrentBag<(double Rate, double Forest, double Initial, double Final)>();
        Parallel.ForEach(splits, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, split =>
        {
            var labeled = data.Subset(split.Labeled);
            var stream = 100_000 + (split.Repeat * 100) + (int)Math.Round(split.UnlabeledRate * 100);
            var forest = BaggingLearner.RandomForest(options.Trees).Train(labeled, Seeds.Derive(options.Seed, stream, LearnerStreams));
            var coForest = CoForest().Train(labeled, data.Subset(split.Unlabeled), Seeds.Derive(options.Seed, stream, LearnerStreams + 1), cancellationToken);
            results.Add((split.UnlabeledRate, Error(forest, data, split.Test), Error(coForest.Initial, data, split.Test), Error(coForest.Final, data, split.Test)));
        });
        progress?.Report("adaptability run done");
        return [.. options.UnlabeledRates.Select(rate =>
        {
            var runs = results.Where(r => r.Rate == rate).ToArray();
            var initial = runs.Average(r => r.Initial);
            var final = runs.Average(r => r.Final);
            return new AdaptabilityResult(rate, runs.Average(r => r.Forest), initial, final, initial > 0 ? (initial - final) / initial : 0);
        })];
    }

    private UnknownResult[] RunUnknown(FlowDataset data, double rate, CancellationToken cancellationToken)
    {
        var thetas = Enumerable.Range((options.Trees / 2) + 1, options.Trees - (options.Trees / 2)).ToArray();
        var withheldUnknown = new long[thetas.Length];
        var knownUnknown = new long[thetas.Length];
        var knownWrong = new long[thetas.Length];
        long withheldTotal = 0, knownTotal = 0;
        var single = options with { UnlabeledRates = [rate] };
        var gate = new object();
        Parallel.For(0, options.Repeats, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, repeat =>
        {
            var withheld = repeat % data.ClassCount;
            var split = EvaluationSplits.Draw(data, single, repeat, [withheld]).Single();
            var model = CoForest().Train(data.Subset(split.Labeled), data.Subset(split.Unlabeled), Seeds.Derive(options.Seed, 200_000 + repeat, LearnerStreams + 2), cancellationToken).Final;
            lock (gate)
            {
                foreach (var row in split.Test)
                {
                    var prediction = model.Predict(data.Row(row));
                    var isWithheld = data.Labels[row] == withheld;
                    withheldTotal += isWithheld ? 1 : 0;
                    knownTotal += isWithheld ? 0 : 1;
                    for (var t = 0; t < thetas.Length; t++)
                    {
                        var unknown = prediction.Votes < thetas[t];
                        if (isWithheld)
                        {
                            withheldUnknown[t] += unknown ? 1 : 0;
                        }
                        else
                        {
                            knownUnknown[t] += unknown ? 1 : 0;
                            knownWrong[t] += unknown || prediction.ClassIndex != data.Labels[row] ? 1 : 0;
                        }
                    }
                }
            }
        });
        progress?.Report("unknown-class run done");
        return [.. thetas.Select((theta, t) => new UnknownResult(theta, Share(withheldUnknown[t], withheldTotal), Share(knownUnknown[t], knownTotal), Share(knownWrong[t], knownTotal)))];
    }

    private static double Share(long part, long total) => total == 0 ? 0 : (double)part / total;
}
