using System.CommandLine;
using System.Globalization;
using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Classification.Evaluation;
using Jumpstart.Shared.Cli;

namespace Jumpstart.Hostd.Cli;

/// <summary><c>jumpstart classify evaluate DATA.csv</c>: the paper's section 4 protocol, Table-3/4-style output, chart and split export.</summary>
internal static class ClassifyEvaluateCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Labeled flow features (CSV, 'class' column)." };
        var repeats = new Option<int>("--repeats") { Description = "Repeats (random splits) per unlabeled rate.", DefaultValueFactory = _ => EvaluationOptions.DefaultRepeats };
        var perClass = new Option<int>("--per-class") { Description = "At most this many training flows per class.", DefaultValueFactory = _ => EvaluationOptions.DefaultLabeledPerClass };
        var rates = new Option<string>("--rates") { Description = "Unlabeled rates in percent, comma-separated.", DefaultValueFactory = _ => "20,40,60,80" };
        var noAdaptability = new Option<bool>("--no-adaptability") { Description = "Skip the adaptability run." };
        var noUnknown = new Option<bool>("--no-unknown") { Description = "Skip the unknown-class run." };
        var export = new Option<string?>("--export-splits") { Description = "Write every split (CSV + ARFF) into this folder for other tools." };
        var chart = new Option<string?>("--chart") { Description = "Write the error-vs-unlabeled-rate chart as PNG (gnuplot)." };
        var seed = ClassifyCommands.SeedOption();
        var trees = ClassifyCommands.TreesOption();
        var confidence = ClassifyCommands.ConfidenceOption();
        var json = ClassifyCommands.JsonOption();
        var evaluate = new Command("evaluate", "Run the paper's evaluation: J4.8, Random Tree, Bagging, Random Forest and Co-Forest at each unlabeled rate; adaptability; unknown class.")
        {
            data, repeats, perClass, rates, noAdaptability, noUnknown, export, chart, seed, trees, confidence, json,
        };
        evaluate.SetAction((parse, cancellationToken) => CliAction.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var options = new EvaluationOptions
            {
                Repeats = parse.GetValue(repeats),
                TrainingPerClass = parse.GetValue(perClass),
                UnlabeledRates = ParseRates(parse.GetValue(rates)!),
                Seed = parse.GetValue(seed),
                Trees = parse.GetValue(trees),
                Confidence = parse.GetValue(confidence),
                Adaptability = !parse.GetValue(noAdaptability),
                UnknownClass = !parse.GetValue(noUnknown),
                ExportDirectory = parse.GetValue(export),
            };
            if (options.Repeats < 1 || options.Repeats > EvaluationOptions.MaxRepeats || options.TrainingPerClass < 2
                || options.Trees < 3 || options.Trees > ClassificationLimits.MaxTrees || options.Confidence is <= 0 or >= 1)
            {
                throw new CliUsageException($"--repeats 1..{EvaluationOptions.MaxRepeats}, --per-class >= 2, --trees 3..{ClassificationLimits.MaxTrees}, --confidence in (0, 1)");
            }

            var path = parse.GetValue(data)!;
            var dataset = FlowDatasetCsv.Load(path);
            if (dataset.Labels.Any(l => l < 0) || dataset.ClassCount < 2)
            {
                throw new ClassificationDataException($"{path}: evaluation needs every flow labeled and at least two classes");
            }

            var error = parse.InvocationConfiguration.Error;
            var progress = new StderrProgress(error);
            var report = await Task.Run(() => new EvaluationRunner(options, progress).Run(dataset, path, cancellationToken), cancellationToken);
            if (parse.GetValue(chart) is { } pngPath)
            {
                await ErrorChart.WriteAsync(report, pngPath, cancellationToken: cancellationToken);
            }

            var writer = parse.InvocationConfiguration.Output;
            await writer.WriteAsync(parse.GetValue(json) ? CliOutput.ToJson(report) + "\n" : EvaluationTable.Format(report));
            return ExitCodes.Ok;
        }));
        return evaluate;
    }

    private static double[] ParseRates(string text)
    {
        var rates = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || percent < 0 || percent >= 100)
            {
                throw new CliUsageException($"--rates: '{part}' is not a percentage in [0, 100)");
            }

            rates.Add(percent / 100);
        }

        return rates.Count > 0 ? [.. rates] : throw new CliUsageException("--rates: no rates given");
    }

    /// <summary>Progress lines on stderr, written at once (not posted), from any thread.</summary>
    private sealed class StderrProgress(TextWriter error) : IProgress<string>
    {
        private readonly Lock _gate = new();

        public void Report(string value)
        {
            lock (_gate)
            {
                error.WriteLine($"classify: {value}");
            }
        }
    }
}
