namespace Jumpstart.Hostd.Classification;

/// <summary>
/// A trained classifier: one or more flattened trees, the feature and class names they were trained
/// with, how the trees vote, and the unknown threshold theta (answer <c>unknown</c> when fewer than
/// theta trees vote for the winning class; 0 never does). Immutable and thread-safe, so a live model
/// can be swapped by replacing the reference (<see cref="FlowClassifierHolder"/>).
/// </summary>
public sealed partial class ClassifierModel : IFlowClassifier
{
    private const int MaxStackClasses = 256;

    public ClassifierModel(string algorithm, IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames,
        IReadOnlyList<DecisionTree> trees, EnsembleVoting voting, int unknownThreshold = 0)
    {
        ArgumentNullException.ThrowIfNull(trees);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(classNames);
        if (trees.Count == 0 || trees.Count > ClassificationLimits.MaxTrees)
        {
            throw new ArgumentOutOfRangeException(nameof(trees), $"1..{ClassificationLimits.MaxTrees} trees");
        }

        if (unknownThreshold < 0 || unknownThreshold > trees.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(unknownThreshold), $"theta must be 0..{trees.Count} trees");
        }

        Algorithm = algorithm;
        FeatureNames = featureNames;
        ClassNames = classNames;
        Trees = trees;
        Voting = voting;
        UnknownThreshold = unknownThreshold;
    }

    /// <summary>"j48", "random-tree", "bagging", "random-forest" or "co-forest".</summary>
    public string Algorithm { get; }

    public IReadOnlyList<string> FeatureNames { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public IReadOnlyList<DecisionTree> Trees { get; }

    public EnsembleVoting Voting { get; }

    /// <summary>theta: fewer votes than this for the winning class answer <c>unknown</c>.</summary>
    public int UnknownThreshold { get; }

    /// <summary>The same trees with another theta.</summary>
    public ClassifierModel WithUnknownThreshold(int theta) => new(Algorithm, FeatureNames, ClassNames, Trees, Voting, theta);

    /// <inheritdoc />
    public FlowPrediction Predict(ReadOnlySpan<double> features)
    {
        var index = PredictIndex(features, out var votes, out var confidence);
        return new FlowPrediction(index, index < 0 ? FlowPrediction.UnknownLabel : ClassNames[index], confidence, votes, Trees.Count);
    }

    /// <summary>The class index, or -1 for unknown (the allocation-free path).</summary>
    public int PredictClass(ReadOnlySpan<double> features) => PredictIndex(features, out _, out _);

    private int PredictIndex(ReadOnlySpan<double> features, out int winnerVotes, out double confidence)
    {
        if (features.Length != FeatureNames.Count)
        {
            throw new ArgumentException($"the model takes {FeatureNames.Count} features, got {features.Length}", nameof(features));
        }

        var classCount = ClassNames.Count;
        var trees = Trees.Count;
        Span<int> votes = classCount <= MaxStackClasses ? stackalloc int[classCount] : new int[classCount];
        Span<int> leaves = trees <= MaxStackClasses ? stackalloc int[trees] : new int[trees];
        votes.Clear();
        for (var t = 0; t < trees; t++)
        {
            leaves[t] = Trees[t].Leaf(features);
            votes[Trees[t].LeafClassOf(leaves[t])]++;
        }

        var best = 0;
        var tied = false;
        for (var c = 1; c < classCount; c++)
        {
            if (votes[c] > votes[best])
            {
                best = c;
                tied = false;
            }
            else if (votes[c] == votes[best])
            {
                tied = true;
            }
        }

        // Class probabilities are summed only when they decide: averaging, or a tie of votes.
        var mass = 0.0;
        if (Voting == EnsembleVoting.AverageProbabilities || tied)
        {
            Span<double> sums = classCount <= MaxStackClasses ? stackalloc double[classCount] : new double[classCount];
            sums.Clear();
            for (var t = 0; t < trees; t++)
            {
                var probabilities = Trees[t].LeafProbabilities(leaves[t]);
                for (var c = 0; c < classCount; c++)
                {
                    sums[c] += probabilities[c];
                }
            }

            var top = votes[best];
            for (var c = 0; c < classCount; c++)
            {
                var better = Voting == EnsembleVoting.Majority
                    ? votes[c] == top && sums[c] > sums[best]
                    : sums[c] > sums[best];
                if (better)
                {
                    best = c;
                }
            }

            mass = sums[best];
        }

        winnerVotes = votes[best];
        confidence = Voting == EnsembleVoting.Majority ? (double)votes[best] / trees : mass / trees;
        return winnerVotes < UnknownThreshold ? -1 : best;
    }
}
