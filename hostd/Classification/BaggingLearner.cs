namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Bagging (Breiman 1996): <see cref="TreeCount"/> trees, each on a bootstrap sample of the labeled
/// rows, class probabilities averaged. With <see cref="TreeOptions.J48"/> it is Bagging of C4.5;
/// with <see cref="TreeOptions.RandomTree"/> it is Random Forest (Breiman 2001).
/// </summary>
public sealed class BaggingLearner(int treeCount, TreeOptions options, string name, string algorithm) : IFlowLearner
{
    public const int DefaultTrees = 6;

    public string Name => name;

    public int TreeCount => treeCount;

    public static BaggingLearner Bagging(int trees = DefaultTrees) => new(trees, TreeOptions.J48, "Bagging", "bagging");

    public static BaggingLearner RandomForest(int trees = DefaultTrees) => new(trees, TreeOptions.RandomTree, "RandomForest", "random-forest");

    public ClassifierModel Train(FlowDataset labeled, int seed)
    {
        ArgumentNullException.ThrowIfNull(labeled);
        var trees = new DecisionTree[treeCount];
        TreeTrainer.ForEach(treeCount, i =>
        {
            var random = Seeds.For(seed, i);
            var set = new TrainingSet(labeled.Features, labeled.FeatureCount, labeled.Labels, TreeTrainer.Bootstrap(labeled.Count, random), labeled.ClassCount);
            trees[i] = TreeTrainer.Train(set, options, random);
        });
        return new ClassifierModel(algorithm, labeled.FeatureNames, labeled.ClassNames, trees, EnsembleVoting.AverageProbabilities);
    }
}
