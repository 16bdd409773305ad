namespace Jumpstart.Hostd.Classification;

/// <summary>One unpruned Random Tree on all labeled rows (K = log2(features + 1) + 1 random features per node).</summary>
public sealed class RandomTreeLearner : IFlowLearner
{
    public string Name => "RandomTree";

    public ClassifierModel Train(FlowDataset labeled, int seed)
    {
        ArgumentNullException.ThrowIfNull(labeled);
        var tree = TreeTrainer.Train(TrainingSet.Of(labeled), TreeOptions.RandomTree, new Random(seed));
        return new ClassifierModel("random-tree", labeled.FeatureNames, labeled.ClassNames, [tree], EnsembleVoting.AverageProbabilities);
    }
}
