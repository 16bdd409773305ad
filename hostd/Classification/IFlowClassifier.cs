namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Classifies one flow's feature vector. The vector holds <see cref="FeatureNames"/> in that order
/// (the flow-feature CSV header's order). Implementations are thread-safe.
/// </summary>
public interface IFlowClassifier
{
    IReadOnlyList<string> FeatureNames { get; }

    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Label and confidence, or <see cref="FlowPrediction.UnknownLabel"/>.</summary>
    FlowPrediction Predict(ReadOnlySpan<double> features);
}
