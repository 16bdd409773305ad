using System.CommandLine;
using System.Globalization;
using Jumpstart.Hostd.Classification;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary>
/// <c>jumpstart classify evaluate|train|predict|show</c>: the flow classifier offline — the paper's
/// evaluation protocol on a labeled feature file, training a model file, classifying flows with it,
/// and describing a model file.
/// </summary>
public static class ClassifyCommands
{
    public static Command Create()
    {
        var classify = new Command("classify", "Flow classification: Co-Forest and its baselines (J4.8, Random Tree, Bagging, Random Forest).");
        classify.Subcommands.Add(ClassifyEvaluateCommand.Create());
        classify.Subcommands.Add(CreateTrain());
        classify.Subcommands.Add(CreatePredict());
        classify.Subcommands.Add(CreateShow());
        return classify;
    }

    internal static Option<int> SeedOption() => new("--seed") { Description = "Random seed (same seed, same result).", DefaultValueFactory = _ => 1 };

    internal static Option<int> TreesOption() => new("--trees") { Description = "Trees of Bagging, Random Forest and Co-Forest.", DefaultValueFactory = _ => CoForestOptions.DefaultTrees };

    internal static Option<double> ConfidenceOption() => new("--confidence") { Description = "Co-Forest's C: confidence an unlabeled flow needs.", DefaultValueFactory = _ => CoForestOptions.DefaultConfidence };

    internal static Option<bool> JsonOption() => new("--json") { Description = "Print the result as JSON." };

    private static Command CreateTrain()
    {
        var data = new Argument<string>("data") { Description = "Labeled flows (CSV with a 'class' column; rows with an empty class are unlabeled)." };
        var output = new Option<string>("--output", "-o") { Description = "Model file to write (replaced atomically)." };
        var algorithm = new Option<string>("--algorithm") { Description = "co-forest, random-forest, bagging, j48 or random-tree.", DefaultValueFactory = _ => "co-forest" };
        var unlabeled = new Option<string?>("--unlabeled") { Description = "More unlabeled flows for Co-Forest (CSV with the same features)." };
        var theta = new Option<int>("--theta") { Description = "Answer 'unknown' when fewer than this many trees vote for the winner (0: never)." };
        var seed = SeedOption();
        var trees = TreesOption();
        var confidence = ConfidenceOption();
        var json = JsonOption();
        var train = new Command("train", "Train a model on a flow feature file and save it.") { data, output, algorithm, unlabeled, theta, seed, trees, confidence, json };
        train.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var outputPath = parse.GetValue(output) ?? throw new CliUsageException("classify train needs --output MODEL");
            var treeCount = parse.GetValue(trees);
            if (treeCount < 3 || treeCount > ClassificationLimits.MaxTrees)
            {
                throw new CliUsageException($"--trees must be 3..{ClassificationLimits.MaxTrees}");
            }

            var all = FlowDatasetCsv.Load(parse.GetValue(data)!);
            var labeledRows = Enumerable.Range(0, all.Count).Where(i => all.Labels[i] >= 0).ToArray();
            if (labeledRows.Length == 0)
            {
                throw new ClassificationDataException($"{parse.GetValue(data)}: no labeled flows");
            }

            var labeled = all.Subset(labeledRows);
            var unlabeledFlows = all.Subset([.. Enumerable.Range(0, all.Count).Where(i => all.Labels[i] < 0)]);
            if (parse.GetValue(unlabeled) is { } unlabeledPath)
            {
                var extra = FlowDatasetCsv.Load(unlabeledPath, all.ClassNames);
                RequireSameFeatures(all.FeatureNames, extra.FeatureNames, unlabeledPath);
                unlabeledFlows = new FlowDataset(all.FeatureNames, all.ClassNames, [.. unlabeledFlows.Features, .. extra.Features], [.. unlabeledFlows.Labels, .. Enumerable.Repeat(-1, extra.Count)]);
            }

            var thetaValue = parse.GetValue(theta);
            if (thetaValue < 0 || thetaValue > treeCount)
            {
                throw new CliUsageException($"--theta must be 0..{treeCount}");
            }

            var seedValue = parse.GetValue(seed);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var name = parse.GetValue(algorithm);
            var model = name switch
            {
                "co-forest" => new CoForestLearner(new CoForestOptions { Trees = treeCount, Confidence = parse.GetValue(confidence) }).TrainModel(labeled, unlabeledFlows, seedValue),
                "random-forest" => BaggingLearner.RandomForest(treeCount).Train(labeled, seedValue),
                "bagging" => BaggingLearner.Bagging(treeCount).Train(labeled, seedValue),
                "j48" => SingleTreeLearner.J48().Train(labeled, seedValue),
                "random-tree" => SingleTreeLearner.RandomTree().Train(labeled, seedValue),
                _ => throw new CliUsageException($"--algorithm: unknown '{name}' (co-forest, random-forest, bagging, j48, random-tree)"),
            };
            model = model.WithUnknownThreshold(Math.Min(thetaValue, model.Trees.Count));
            cancellationToken.ThrowIfCancellationRequested();
            model.Save(outputPath);
            var result = new
            {
                Output = Path.GetFullPath(outputPath),
                model.Algorithm,
                Labeled = labeled.Count,
                Unlabeled = name == "co-forest" ? unlabeledFlows.Count : 0,
                Trees = model.Trees.Count,
                Nodes = model.Trees.Sum(t => t.NodeCount),
                Theta = model.UnknownThreshold,
                Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            };
            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), result,
                r => string.Create(CultureInfo.InvariantCulture, $"wrote {r.Output}: {r.Algorithm}, {r.Trees} trees ({r.Nodes} nodes), {r.Labeled} labeled + {r.Unlabeled} unlabeled flows, theta {r.Theta}, {r.Seconds:F2} s"));
            return ExitCodes.Ok;
        }));
        return train;
    }

    private static Command CreatePredict()
    {
        var modelPath = new Argument<string>("model") { Description = "Model file (from 'classify train')." };
        var data = new Argument<string>("data") { Description = "Flows to classify (CSV with the model's features in order; a 'class' column is optional and gives the error)." };
        var theta = new Option<int?>("--theta") { Description = "Override the model's unknown threshold." };
        var summary = new Option<bool>("--summary") { Description = "Only print counts per label (and the error when the file is labeled)." };
        var json = JsonOption();
        var predict = new Command("predict", "Classify flows with a model: label, confidence (share of trees agreeing) and votes, or 'unknown'.") { modelPath, data, theta, summary, json };
        predict.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var model = ClassifierModel.Load(parse.GetValue(modelPath)!);
            if (parse.GetValue(theta) is { } t)
            {
                model = t >= 0 && t <= model.Trees.Count ? model.WithUnknownThreshold(t) : throw new CliUsageException($"--theta must be 0..{model.Trees.Count}");
            }

            var dataPath = parse.GetValue(data)!;
            var flows = FlowDatasetCsv.Load(dataPath, model.ClassNames);
            RequireSameFeatures(model.FeatureNames, flows.FeatureNames, dataPath);
            var predictions = new FlowPrediction[flows.Count];
            for (var i = 0; i < flows.Count; i++)
            {
                predictions[i] = model.Predict(flows.Row(i));
            }

            cancellationToken.ThrowIfCancellationRequested();
            var labeled = Enumerable.Range(0, flows.Count).Where(i => flows.Labels[i] >= 0).ToArray();
            double? error = labeled.Length == 0 ? null : (double)labeled.Count(i => predictions[i].ClassIndex != flows.Labels[i]) / labeled.Length;
            var counts = predictions.GroupBy(p => p.Label).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var writer = parse.InvocationConfiguration.Output;
            var onlySummary = parse.GetValue(summary);
            if (parse.GetValue(json))
            {
                await writer.WriteLineAsync(CliOutput.ToJson(new
                {
                    Flows = flows.Count,
                    Error = error,
                    Labels = counts,
                    Predictions = onlySummary ? null : predictions.Select((p, i) => new { Flow = i, p.Label, Confidence = Math.Round(p.Confidence, 4), p.Votes, p.Trees }),
                }));
                return ExitCodes.Ok;
            }

            if (!onlySummary)
            {
                for (var i = 0; i < predictions.Length; i++)
                {
                    var p = predictions[i];
                    await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{i}\t{p.Label}\t{p.Confidence:F3}\t{p.Votes}/{p.Trees}"));
                }
            }

            foreach (var (label, count) in counts)
            {
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"label: {label} {count}"));
            }

            if (error is { } e)
            {
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"error: {e:F4} ({labeled.Length} labeled flows)"));
            }

            return ExitCodes.Ok;
        }));
        return predict;
    }

    private static Command CreateShow()
    {
        var modelPath = new Argument<string>("model") { Description = "Model file." };
        var json = JsonOption();
        var show = new Command("show", "Describe a model file: algorithm, features, classes, trees, voting, unknown threshold.") { modelPath, json };
        show.SetAction((parse, _) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var path = parse.GetValue(modelPath)!;
            var model = ClassifierModel.Load(path);
            var view = new
            {
                Path = Path.GetFullPath(path),
                Version = (int)ClassifierModel.FileVersion,
                model.Algorithm,
                Voting = model.Voting.ToString(),
                Theta = model.UnknownThreshold,
                Features = model.FeatureNames,
                Classes = model.ClassNames,
                Trees = model.Trees.Select(t => new { Nodes = t.NodeCount, Leaves = t.LeafCount, t.Depth }).ToArray(),
            };
            await CliOutput.WriteAsync(parse.InvocationConfiguration.Output, parse.GetValue(json), view, v => string.Join('\n',
            [
                $"model:    {v.Path} (format version {v.Version})",
                $"algorithm: {v.Algorithm}, voting {v.Voting}, theta {v.Theta}",
                $"features: {v.Features.Count}: {string.Join(',', v.Features)}",
                $"classes:  {v.Classes.Count}: {string.Join(',', v.Classes)}",
                .. v.Trees.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"tree {i}: {t.Nodes} nodes, {t.Leaves} leaves, depth {t.Depth}")),
            ]));
            return ExitCodes.Ok;
        }));
        return show;
    }

    private static void RequireSameFeatures(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string source)
    {
        if (!expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            throw new ClassificationDataException($"{source}: features ({string.Join(',', actual)}) differ from the model's ({string.Join(',', expected)})");
        }
    }
}
