namespace Jumpstart.Hostd.Classification;

/// <summary>How a model's trees combine.</summary>
public enum EnsembleVoting : byte
{
    /// <summary>Each tree votes its leaf's class; the most votes win (ties: higher summed leaf probability). Co-Forest.</summary>
    Majority = 0,

    /// <summary>The leaves' class probabilities are averaged (Weka's Bagging and Random Forest, scikit-learn).</summary>
    AverageProbabilities = 1,
}
