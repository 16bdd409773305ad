using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Classification.Evaluation;
using Jumpstart.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Jumpstart.Tests.Classification;

/// <summary>
/// Our baselines against independent implementations on identical exported splits: Weka's J48,
/// RandomTree, Bagging of J48 and RandomForest, and scikit-learn's RandomForestClassifier and
/// DecisionTreeClassifier. The mean test error over the splits must agree within one percentage point.
/// </summary>
[Trait(Capabilities.Trait, Capabilities.Classifier)]
public sealed class PeerComparisonTests(ITestOutputHelper output)
{
    private const double Tolerance = 0.01;
    private const string Nims = "nims/nims-22.csv";

    [ToolFact(ClassifierPeers.Python, ClassifierPeers.Java)]
    public async Task Baselines_OnGeneratedFlows_AgreeWithWekaAndScikitLearnWithinOnePoint()
    {
        var data = SyntheticFlows.Make(perClass: 700, classes: 4, seed: 3);
        await CompareAsync(data, new EvaluationOptions { Repeats = 2, UnlabeledRates = [0.2, 0.6], TrainingPerClass = 300, Seed = 5 });
    }

    [SharedDataFact(Nims, ClassifierPeers.Python, ClassifierPeers.Java)]
    public async Task Baselines_OnNims22_AgreeWithWekaAndScikitLearnWithinOnePoint()
    {
        var data = FlowDatasetCsv.Load(SharedData.Require(Nims));
        await CompareAsync(data, new EvaluationOptions { Repeats = 2, Seed = 1 });
    }

    private async Task CompareAsync(FlowDataset data, EvaluationOptions options)
    {
        using var splits = new TempDirectory("classify-peers");
        var report = new EvaluationRunner(options with { ExportDirectory = splits.Path, Adaptability = false, UnknownClass = false }).Run(data, "test");
        var sklearnRun = ClassifierPeers.SklearnAsync(splits.Path, options.Trees, options.Seed);
        var wekaRun = ClassifierPeers.WekaAsync(splits.Path, options.Trees, options.Seed);
        var sklearn = await sklearnRun;
        var weka = await wekaRun;
        Assert.Equal(report.Splits.Select(s => s.Split).Order(), sklearn.Keys.Order());
        Assert.Equal(report.Splits.Select(s => s.Split).Order(), weka.Keys.Order());

        var comparisons = new (string Ours, double OurError, string Peer, double PeerError)[]
        {
            ("J4.8", report.Splits.Average(s => s.J48), "Weka J48", ClassifierPeers.Mean(weka, "J48")),
            ("J4.8", report.Splits.Average(s => s.J48), "sklearn DecisionTree", ClassifierPeers.Mean(sklearn, "DecisionTree")),
            ("RandomTree", report.Splits.Average(s => s.RandomTree), "Weka RandomTree", ClassifierPeers.Mean(weka, "RandomTree")),
            ("Bagging", report.Splits.Average(s => s.Bagging), "Weka Bagging(J48)", ClassifierPeers.Mean(weka, "Bagging")),
            ("RandomForest", report.Splits.Average(s => s.RandomForest), "Weka RandomForest", ClassifierPeers.Mean(weka, "RandomForest")),
            ("RandomForest", report.Splits.Average(s => s.RandomForest), "sklearn RandomForest", ClassifierPeers.Mean(sklearn, "RandomForest")),
        };
        foreach (var c in comparisons)
        {
            output.WriteLine($"{c.Ours,-12} {c.OurError:F4}  {c.Peer,-22} {c.PeerError:F4}  diff {(c.OurError - c.PeerError) * 100:+0.00;-0.00} pp");
        }

        Assert.All(comparisons, c => Assert.True(Math.Abs(c.OurError - c.PeerError) <= Tolerance,
            $"{c.Ours} errs {c.OurError:F4}, {c.Peer} {c.PeerError:F4}: more than {Tolerance:P0} apart"));
    }
}
