namespace Jumpstart.Hostd.Classification;

/// <summary>Co-Forest settings; the defaults are the paper's (N = 6, C = 0.75, feature-subset diversity on).</summary>
public sealed record CoForestOptions
{
    public const int DefaultTrees = 6;
    public const double DefaultConfidence = 0.75;

    /// <summary>A guard only: Co-Forest stops when no tree changes, which in practice takes a handful of rounds.</summary>
    public const int DefaultMaxRounds = 50;

    /// <summary>N, the number of trees.</summary>
    public int Trees { get; init; } = DefaultTrees;

    /// <summary>C: an unlabeled flow is used when more than this share of the concomitant ensemble agrees.</summary>
    public double Confidence { get; init; } = DefaultConfidence;

    /// <summary>The paper's diversity: the features are cut into N subsets and tree i uses all but subset i.</summary>
    public bool FeatureSubsets { get; init; } = true;

    public int MaxRounds { get; init; } = DefaultMaxRounds;

    /// <summary>theta of the final model: fewer votes for the winner answer unknown (0: never).</summary>
    public int UnknownThreshold { get; init; }
}
