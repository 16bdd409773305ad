namespace Jumpstart.Hostd.Classification;

/// <summary>How a tree picks its splits.</summary>
public enum SplitCriterion
{
    /// <summary>C4.5 / J4.8: gain ratio over all features, among those with at least average information gain; MDL-corrected numeric splits; minimum leaf weight.</summary>
    GainRatio,

    /// <summary>Random Tree: information gain over K randomly chosen features per node (more until one gains), midpoint thresholds, no minimum.</summary>
    RandomInfoGain,
}
