namespace Jumpstart.Hostd.Classification;

/// <summary>What Co-Forest training produced: the initial ensemble (labeled data only), the final one, and how it got there.</summary>
public sealed record CoForestResult(ClassifierModel Initial, ClassifierModel Final, int Rounds, IReadOnlyList<int> TreesChangedPerRound, IReadOnlyList<int> PseudoLabeledPerTree);
