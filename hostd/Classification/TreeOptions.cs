namespace Jumpstart.Hostd.Classification;

/// <summary>How one tree grows. Defaults are J4.8's (<c>-C 0.25 -M 2</c>, subtree raising on).</summary>
public sealed record TreeOptions
{
    public SplitCriterion Criterion { get; init; } = SplitCriterion.GainRatio;

    /// <summary>Features tried per node by <see cref="SplitCriterion.RandomInfoGain"/>; 0 = floor(log2(features + 1)) + 1 as Weka's Random Forest.</summary>
    public int RandomFeatures { get; init; }

    /// <summary>C4.5's minimum weight per branch (J4.8 <c>-M</c>); Random Tree's minimum leaf weight.</summary>
    public double MinLeafWeight { get; init; } = 2;

    /// <summary>C4.5 error-based pruning (confidence 0.25) with subtree raising.</summary>
    public bool Prune { get; init; } = true;

    /// <summary>Features the tree may use (null: all). Co-Forest gives tree i all but its own subset.</summary>
    public IReadOnlyList<int>? AllowedFeatures { get; init; }

    public static TreeOptions J48 { get; } = new();

    public static TreeOptions RandomTree { get; } = new() { Criterion = SplitCriterion.RandomInfoGain, MinLeafWeight = 1, Prune = false };

    /// <summary>The K a Random Tree uses for <paramref name="featureCount"/> usable features.</summary>
    public int RandomFeaturesFor(int featureCount)
        => Math.Clamp(RandomFeatures > 0 ? RandomFeatures : (int)Math.Log2(featureCount + 1) + 1, 1, featureCount);
}
