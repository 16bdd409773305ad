namespace Jumpstart.Hostd.Classification;

/// <summary>
/// One tree on all labeled rows: <see cref="J48"/> (C4.5: gain ratio, MDL-corrected numeric splits,
/// minimum 2 per branch, pruning at confidence 0.25 with subtree raising) or <see cref="RandomTree"/>
/// (unpruned, K = log2(features + 1) + 1 random features per node).
/// </summary>
public sealed class SingleTreeLearner(TreeOptions options, string name, string algorithm) : IFlowLearner
{
    public string Name => name;

    public static SingleTreeLearner J48() => new(TreeOptions.J48, "J4.8", "j48");

    public static SingleTreeLearner RandomTree() => new(TreeOptions.RandomTree, "RandomTree", "random-tree");

    public ClassifierModel Train(FlowDataset labeled, int seed)
    {
        ArgumentNullException.ThrowIfNull(labeled);
        var tree = TreeTrainer.Train(TrainingSet.Of(labeled), options, new Random(seed));
        return new ClassifierModel(algorithm, labeled.FeatureNames, labeled.ClassNames, [tree], EnsembleVoting.AverageProbabilities);
    }
}
