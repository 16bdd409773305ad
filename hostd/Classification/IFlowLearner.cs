namespace Jumpstart.Hostd.Classification;

/// <summary>A supervised learner: labeled flows in, a model out; the same seed gives the same model.</summary>
public interface IFlowLearner
{
    /// <summary>Short name as in the tables: "J4.8", "RandomTree", "Bagging", "RandomForest".</summary>
    string Name { get; }

    ClassifierModel Train(FlowDataset labeled, int seed);
}
