namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Co-Forest: a Random-Tree ensemble co-trained on unlabeled flows.
/// </summary>
/// <remarks>
/// M. Li and Z.-H. Zhou, "Improve computer-aided diagnosis with machine learning techniques using
/// undiagnosed samples", IEEE Trans. SMC-A 37(6), 2007, Table I; with the feature-subset diversity
/// of He et al., "Traffic Classification Using Ensemble Learning and Co-training" (Fig. 1).
/// N random trees, tree i on a bootstrap sample of L using all features but subset s_i. Per round,
/// for each tree i the concomitant ensemble H_i (the other trees) estimates its error e_i on L out of
/// bag (a labeled flow counts only for trees that did not see it, and only when those trees agree by
/// more than C). If e_i &lt; e'_i, a random subsample of U of ceil(e'_i W'_i / e_i - 1) flows is drawn,
/// and every flow H_i labels with confidence (share of its trees agreeing) above C joins L'_i with
/// that confidence as weight. Tree i is rebuilt on its own bootstrap of L (as in Li and Zhou's
/// implementation, so that the out-of-bag estimates stay valid) plus L'_i when |L'_i| &gt; W'_i
/// and e_i W_i &lt; e'_i W'_i; then e'_i = e_i, W'_i = W_i. Starting values: e' = 0.5,
/// W' = min(|U| / 10, 100). Training stops when no tree changes; U is never consumed.
/// </remarks>
public sealed class CoForestLearner(CoForestOptions options)
{
    private const double InitialError = 0.5;
    private const double InitialWeightShare = 0.1;
    private const double MaxInitialWeight = 100;

    public CoForestLearner()
        : this(new CoForestOptions())
    {
    }

    public CoForestOptions Options => options;

    /// <summary>Trains on labeled <paramref name="labeled"/> and unlabeled <paramref name="unlabeled"/> flows (its labels are ignored).</summary>
    public CoForestResult Train(FlowDataset labeled, FlowDataset unlabeled, int seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labeled);
        ArgumentNullException.ThrowIfNull(unlabeled);
        if (unlabeled.FeatureCount != labeled.FeatureCount)
        {
            throw new ArgumentException($"unlabeled flows have {unlabeled.FeatureCount} features, labeled {labeled.FeatureCount}");
        }

        if (options.Trees < 3 || options.Trees > ClassificationLimits.MaxTrees)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Co-Forest needs 3..{ClassificationLimits.MaxTrees} trees");
        }

        var state = new CoForestState(labeled, unlabeled, options, seed);
        TreeTrainer.ForEach(options.Trees, state.BuildInitial);
        var initial = state.Model(labeled, 0);
        var changedPerRound = new List<int>();
        for (var round = 1; round <= options.MaxRounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            state.PredictAll();
            TreeTrainer.ForEach(options.Trees, i => state.Select(i, round));
            var changed = state.RebuildChanged(round);
            changedPerRound.Add(changed);
            if (changed == 0)
            {
                break;
            }
        }

        var final = state.Model(labeled, options.UnknownThreshold);
        return new CoForestResult(initial.WithUnknownThreshold(options.UnknownThreshold), final, changedPerRound.Count, changedPerRound, state.PseudoLabeledCounts());
    }

    /// <summary>Trains and returns the final model only.</summary>
    public ClassifierModel TrainModel(FlowDataset labeled, FlowDataset unlabeled, int seed) => Train(labeled, unlabeled, seed).Final;

    internal static double InitialWeight(int unlabeledCount) => Math.Min(unlabeledCount * InitialWeightShare, MaxInitialWeight);

    internal static double InitialErrorBound => InitialError;
}
