namespace Jumpstart.Hostd.Classification;

/// <summary>
/// What Co-Forest training produced: the initial ensemble (labeled data only), the final one, how
/// many trees changed in each round, and how many pseudo-labeled flows each final tree learned from.
/// </summary>
public sealed record CoForestResult(ClassifierModel Initial, ClassifierModel Final, int Rounds, IReadOnlyList<int> TreesChangedPerRound, IReadOnlyList<int> PseudoLabeledPerTree);
