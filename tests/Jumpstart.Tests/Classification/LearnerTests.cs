using Jumpstart.Hostd.Classification;
using Jumpstart.Hostd.Classification.Evaluation;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Classification;

[Trait(Capabilities.Trait, Capabilities.Classifier)]
public sealed class LearnerTests
{
    private static readonly FlowDataset s_train = SyntheticFlows.Make(perClass: 150, seed: 11);
    private static readonly FlowDataset s_test = SyntheticFlows.Make(perClass: 150, seed: 11, sample: 1);

    public static TheoryData<string> Learners => new() { "j48", "random-tree", "bagging", "random-forest" };

    private static IFlowLearner Learner(string name) => name switch
    {
        "j48" => SingleTreeLearner.J48(),
        "random-tree" => SingleTreeLearner.RandomTree(),
        "bagging" => BaggingLearner.Bagging(),
        _ => BaggingLearner.RandomForest(),
    };

    [Theory]
    [MemberData(nameof(Learners))]
    public void EveryLearner_OnSeparableFlows_ClassifiesNearlyAllTestFlows(string name)
    {
        var model = Learner(name).Train(s_train, seed: 1);

        var error = EvaluationRunner.Error(model, s_test, [.. Enumerable.Range(0, s_test.Count)]);

        Assert.True(error < 0.15, $"{name} errs {error:P1}");
    }

    [Theory]
    [MemberData(nameof(Learners))]
    public void EveryLearner_WithTheSameSeed_BuildsByteIdenticalModels(string name)
    {
        var first = Learner(name).Train(s_train, seed: 42).ToBytes();
        var second = Learner(name).Train(s_train, seed: 42).ToBytes();

        Assert.Equal(first, second);
    }

    [Fact]
    public void RandomForest_WithDifferentSeeds_BuildsDifferentTrees()
    {
        Assert.NotEqual(BaggingLearner.RandomForest().Train(s_train, 1).ToBytes(), BaggingLearner.RandomForest().Train(s_train, 2).ToBytes());
    }

    [Fact]
    public void C45_OnPerfectlySeparableData_SplitsOnceAtTheLargestValueOfTheLowerSide()
    {
        // Feature 0 separates the classes at 5 | 10; feature 1 is noise.
        double[] features = [1, 3, 2, 9, 5, 1, 4, 7, 3, 2, 10, 4, 12, 8, 11, 1, 15, 6, 13, 2];
        var data = new FlowDataset(["a", "b"], ["low", "high"], features, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);

        var tree = SingleTreeLearner.J48().Train(data, 1).Trees[0];

        Assert.Equal(3, tree.NodeCount);
        Assert.Equal(0, tree.Nodes[0].Feature);
        Assert.Equal(5, tree.Nodes[0].Threshold);
        Assert.Equal(0, tree.PredictClass([5, 0]));
        Assert.Equal(1, tree.PredictClass([5.5, 0]));
    }

    [Fact]
    public void C45Pruning_ErrorEstimate_MatchesC45sConfidenceLimits()
    {
        // Values of Weka's Stats.addErrs(N, e, 0.25) (C4.5's upper confidence limit at CF = 25 %).
        Assert.Equal(6 * (1 - Math.Pow(0.25, 1.0 / 6)), C45Pruner.AddErrors(6, 0), 9);
        Assert.Equal(2.75, C45Pruner.AddErrors(100, 10), 2);
        Assert.Equal(0.4, C45Pruner.AddErrors(2, 1.6), 9);
    }

    [Fact]
    public void CoForest_WithUnlabeledFlows_RetrainsTreesAndStopsWhenNoTreeChanges()
    {
        var all = SyntheticFlows.Make(perClass: 400, seed: 5, spread: 1.3);
        var labeled = all.Subset([.. Enumerable.Range(0, all.Count).Where(i => i % 10 == 0)]);
        var unlabeled = all.Subset([.. Enumerable.Range(0, all.Count).Where(i => i % 10 is >= 1 and <= 6)]);
        var test = Enumerable.Range(0, all.Count).Where(i => i % 10 >= 7).ToArray();

        var result = new CoForestLearner().Train(labeled, unlabeled, seed: 3);

        Assert.Equal(6, result.Final.Trees.Count);
        Assert.True(result.TreesChangedPerRound[0] > 0, "the first round retrains at least one tree");
        Assert.Equal(0, result.TreesChangedPerRound[^1]);
        Assert.True(result.Rounds < CoForestOptions.DefaultMaxRounds);
        Assert.NotEqual(result.Initial.ToBytes(), result.Final.ToBytes());
        Assert.Contains(result.PseudoLabeledPerTree, count => count > 0);
        Assert.All(result.PseudoLabeledPerTree, count => Assert.InRange(count, 0, unlabeled.Count));
        var initialError = EvaluationRunner.Error(result.Initial, all, test);
        var finalError = EvaluationRunner.Error(result.Final, all, test);
        Assert.True(finalError <= initialError + 0.02, $"co-training made it worse: {initialError:P1} -> {finalError:P1}");
    }

    [Fact]
    public void CoForest_WithTheSameSeed_IsDeterministicDespiteParallelTraining()
    {
        var all = SyntheticFlows.Make(perClass: 200, seed: 9);
        var labeled = all.Subset([.. Enumerable.Range(0, all.Count).Where(i => i % 4 == 0)]);
        var unlabeled = all.Subset([.. Enumerable.Range(0, all.Count).Where(i => i % 4 != 0)]);

        var first = new CoForestLearner().Train(labeled, unlabeled, 17);
        var second = new CoForestLearner().Train(labeled, unlabeled, 17);

        Assert.Equal(first.Final.ToBytes(), second.Final.ToBytes());
        Assert.Equal(first.TreesChangedPerRound, second.TreesChangedPerRound);
    }

    [Fact]
    public void CoForest_EachTree_LeavesOutItsOwnFeatureSubset()
    {
        const int Seed = 8;
        var all = SyntheticFlows.Make(perClass: 200, seed: 4, spread: 1.5);
        var result = new CoForestLearner().Train(all, all.Subset([0]), Seed);
        var heldOut = CoForestState.HeldOutFeatures(all.FeatureCount, result.Initial.Trees.Count, Seed);

        // 8 features cut into 6 subsets of one or two: together they are every feature, each exactly once.
        Assert.Equal(Enumerable.Range(0, all.FeatureCount), heldOut.SelectMany(subset => subset).Order());
        Assert.All(heldOut, subset => Assert.InRange(subset.Length, 1, 2));
        foreach (var model in new[] { result.Initial, result.Final })
        {
            var used = model.Trees.Select(t => t.Nodes.ToArray().Where(n => n.Feature >= 0).Select(n => n.Feature).ToHashSet()).ToArray();
            for (var i = 0; i < used.Length; i++)
            {
                Assert.NotEmpty(used[i]);
                Assert.True(!used[i].Overlaps(heldOut[i]), $"tree {i} splits on its own held-out feature(s) {string.Join(',', used[i].Intersect(heldOut[i]))}");
            }

            // The subsets are per tree: some tree splits on a feature another tree must leave out.
            Assert.Contains(Enumerable.Range(0, used.Length), i => Enumerable.Range(0, used.Length).Any(j => j != i && used[i].Overlaps(heldOut[j])));
        }
    }

    [Fact]
    public void UnknownThreshold_WhenTreesDisagree_AnswersUnknownAndCountsVotes()
    {
        var model = BaggingLearner.RandomForest().Train(s_train, 1);
        var strict = model.WithUnknownThreshold(model.Trees.Count);
        var rows = Enumerable.Range(0, s_test.Count).ToArray();

        var predictions = rows.Select(r => strict.Predict(s_test.Row(r))).ToArray();

        Assert.Contains(predictions, p => p.IsUnknown && p.Label == FlowPrediction.UnknownLabel && p.Votes < p.Trees);
        Assert.All(predictions.Where(p => !p.IsUnknown), p => Assert.Equal(p.Trees, p.Votes));
        Assert.All(rows, r => Assert.False(model.Predict(s_test.Row(r)).IsUnknown));
    }

    [Fact]
    public void Predict_WithTheWrongNumberOfFeatures_Throws()
    {
        var model = SingleTreeLearner.J48().Train(s_train, 1);

        Assert.Throws<ArgumentException>(() => model.Predict([1.0, 2.0]));
    }

    [Fact]
    public void FlowClassifierHolder_Reload_SwapsTheModelAndKeepsTheOldOneWhenTheFileIsBad()
    {
        using var temp = new TempDirectory("classify-holder");
        var first = SingleTreeLearner.J48().Train(s_train, 1);
        var second = BaggingLearner.RandomForest().Train(s_train, 1);
        second.Save(temp.Combine("model"));
        File.WriteAllText(temp.Combine("bad"), "not a model");
        var holder = new FlowClassifierHolder(first);

        holder.Reload(temp.Combine("model"));
        Assert.Equal("random-forest", holder.Current!.Algorithm);
        Assert.Throws<ClassificationDataException>(() => holder.Reload(temp.Combine("bad")));
        Assert.Equal("random-forest", holder.Current!.Algorithm);
        Assert.Equal(second.Predict(s_test.Row(0)), holder.Predict(s_test.Row(0)));
    }
}
