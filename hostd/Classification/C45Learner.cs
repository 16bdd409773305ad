namespace Jumpstart.Hostd.Classification;

/// <summary>One C4.5 / J4.8 tree: gain ratio, MDL-corrected numeric splits, minimum 2 per branch, pruning at confidence 0.25 with subtree raising.</summary>
public sealed class C45Learner : IFlowLearner
{
    public string Name => "J4.8";

    public ClassifierModel Train(FlowDataset labeled, int seed)
    {
        ArgumentNullException.ThrowIfNull(labeled);
        var tree = TreeTrainer.Train(TrainingSet.Of(labeled), TreeOptions.J48, new Random(seed));
        return new ClassifierModel("j48", labeled.FeatureNames, labeled.ClassNames, [tree], EnsembleVoting.AverageProbabilities);
    }
}
