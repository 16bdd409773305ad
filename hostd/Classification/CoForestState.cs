namespace Jumpstart.Hostd.Classification;

/// <summary>The trees of one Co-Forest run and the per-tree bookkeeping of Li and Zhou's algorithm.</summary>
internal sealed class CoForestState
{
    private const int InitialRound = 0;
    private const int RebuildStream = 1_000_000;

    private readonly CoForestOptions _options;
    private readonly int _seed;
    private readonly int _n;
    private readonly int _labeledCount;
    private readonly int _unlabeledCount;
    private readonly int _classCount;
    private readonly double[] _features;
    private readonly int _featureCount;
    private readonly TreeOptions[] _treeOptions;
    private readonly double[][] _bags;
    private readonly int[][] _labels;
    private readonly double[][] _weights;
    private readonly DecisionTree[] _trees;
    private readonly int[][] _predictions;
    private readonly double[] _lastError;
    private readonly double[] _lastWeight;
    private readonly double[] _error;
    private readonly double[] _weight;
    private readonly int[] _selected;
    private readonly int[] _trainedWith;
    private readonly bool[] _changed;
    private readonly bool[] _stale;

    public CoForestState(FlowDataset labeled, FlowDataset unlabeled, CoForestOptions options, int seed)
    {
        _options = options;
        _seed = seed;
        _n = options.Trees;
        _labeledCount = labeled.Count;
        _unlabeledCount = unlabeled.Count;
        _classCount = labeled.ClassCount;
        _featureCount = labeled.FeatureCount;
        _features = [.. labeled.Features, .. unlabeled.Features];
        _treeOptions = FeatureSubsetOptions(_featureCount, _n, options.FeatureSubsets, seed);
        _bags = new double[_n][];
        _labels = new int[_n][];
        _weights = new double[_n][];
        _trees = new DecisionTree[_n];
        _predictions = new int[_n][];
        _lastError = new double[_n];
        _lastWeight = new double[_n];
        _error = new double[_n];
        _weight = new double[_n];
        _selected = new int[_n];
        _trainedWith = new int[_n];
        _changed = new bool[_n];
        _stale = new bool[_n];
        Array.Fill(_stale, true);
        for (var i = 0; i < _n; i++)
        {
            _labels[i] = new int[_labeledCount + _unlabeledCount];
            Array.Copy(labeled.Labels, _labels[i], _labeledCount);
            _weights[i] = new double[_labeledCount + _unlabeledCount];
            _predictions[i] = new int[_labeledCount + _unlabeledCount];
            _lastError[i] = CoForestLearner.InitialErrorBound;
            _lastWeight[i] = CoForestLearner.InitialWeight(_unlabeledCount);
        }
    }

    /// <summary>Tree i on a bootstrap sample of L, using all features but its own subset.</summary>
    public void BuildInitial(int i)
    {
        var random = Seeds.For(_seed, InitialRound, i);
        _bags[i] = TreeTrainer.Bootstrap(_labeledCount, random);
        Array.Copy(_bags[i], _weights[i], _labeledCount);
        _trees[i] = Build(i, random);
    }

    /// <summary>Every tree's class for every labeled and unlabeled row (only changed trees are recomputed).</summary>
    public void PredictAll()
    {
        TreeTrainer.ForEach(_n, i =>
        {
            if (_stale[i])
            {
                var predictions = _predictions[i];
                var rows = _labeledCount + _unlabeledCount;
                for (var r = 0; r < rows; r++)
                {
                    predictions[r] = _trees[i].PredictClass(_features.AsSpan(r * _featureCount, _featureCount));
                }

                _stale[i] = false;
            }
        });
    }

    /// <summary>Estimates e_i out of bag and, if it fell, picks and pseudo-labels a subsample of U for tree i.</summary>
    public void Select(int i, int round)
    {
        _changed[i] = false;
        _selected[i] = 0;
        _weight[i] = 0;
        Array.Clear(_weights[i], _labeledCount, _unlabeledCount);
        var error = OutOfBagError(i);
        _error[i] = error;
        if (error >= _lastError[i] || _unlabeledCount == 0)
        {
            return;
        }

        var wanted = error == 0 ? _unlabeledCount : Math.Ceiling((_lastError[i] * _lastWeight[i] / error) - 1);
        var size = (int)Math.Clamp(wanted, 0, _unlabeledCount);
        var random = Seeds.For(_seed, round, i);
        var order = Enumerable.Range(0, _unlabeledCount).ToArray();
        Span<int> votes = stackalloc int[_classCount];
        for (var k = 0; k < size; k++)
        {
            var pick = k + random.Next(_unlabeledCount - k);
            (order[k], order[pick]) = (order[pick], order[k]);
            var row = _labeledCount + order[k];
            var (winner, agreeing, voters) = Vote(i, row, votes, outOfBagOnly: false);
            var confidence = (double)agreeing / voters;
            if (confidence > _options.Confidence)
            {
                _labels[i][row] = winner;
                _weights[i][row] = confidence;
                _weight[i] += confidence;
                _selected[i]++;
            }
        }

        _changed[i] = _selected[i] > _lastWeight[i] && error * _weight[i] < _lastError[i] * _lastWeight[i];
    }

    /// <summary>Rebuilds the trees whose selection passed; returns how many changed.</summary>
    public int RebuildChanged(int round)
    {
        TreeTrainer.ForEach(_n, i =>
        {
            if (_changed[i])
            {
                _trees[i] = Build(i, Seeds.For(_seed, RebuildStream + round, i));
                _stale[i] = true;
                _trainedWith[i] = _selected[i];
                _lastError[i] = _error[i];
                _lastWeight[i] = _weight[i];
            }
        });
        return _changed.Count(c => c);
    }

    public ClassifierModel Model(FlowDataset labeled, int theta)
        => new("co-forest", labeled.FeatureNames, labeled.ClassNames, [.. _trees], EnsembleVoting.Majority, theta);

    /// <summary>How many pseudo-labeled flows each final tree was trained with (0: never rebuilt).</summary>
    public IReadOnlyList<int> PseudoLabeledCounts() => [.. _trainedWith];

    /// <summary>
    /// Each tree's own feature subset, which it never uses: the features, shuffled by the seed, cut into
    /// <paramref name="trees"/> consecutive parts. Empty subsets when there are fewer features than trees.
    /// </summary>
    internal static int[][] HeldOutFeatures(int featureCount, int trees, int seed)
    {
        if (featureCount < trees)
        {
            return [.. Enumerable.Range(0, trees).Select(_ => Array.Empty<int>())];
        }

        var order = Enumerable.Range(0, featureCount).ToArray();
        Seeds.For(seed, -1).Shuffle(order);
        return [.. Enumerable.Range(0, trees).Select(i => order[(i * featureCount / trees)..((i + 1) * featureCount / trees)])];
    }

    private static TreeOptions[] FeatureSubsetOptions(int featureCount, int n, bool subsets, int seed)
    {
        if (!subsets || featureCount < n)
        {
            return [.. Enumerable.Repeat(TreeOptions.RandomTree, n)];
        }

        return [.. HeldOutFeatures(featureCount, n, seed)
            .Select(own => TreeOptions.RandomTree with { AllowedFeatures = [.. Enumerable.Range(0, featureCount).Except(own)] })];
    }

    private DecisionTree Build(int i, Random random)
        => TreeTrainer.Train(new TrainingSet(_features, _featureCount, _labels[i], _weights[i], _classCount), _treeOptions[i], random);

    private double OutOfBagError(int i)
    {
        Span<int> votes = stackalloc int[_classCount];
        int counted = 0, wrong = 0;
        for (var r = 0; r < _labeledCount; r++)
        {
            var (winner, agreeing, voters) = Vote(i, r, votes, outOfBagOnly: true);
            if (voters > 0 && (double)agreeing / voters > _options.Confidence)
            {
                counted++;
                wrong += winner != _labels[i][r] ? 1 : 0;
            }
        }

        return counted == 0 ? _lastError[i] : (double)wrong / counted;
    }

    /// <summary>H_i's vote on a row: the winning class, its votes, and how many trees voted.</summary>
    private (int Winner, int Agreeing, int Voters) Vote(int i, int row, Span<int> votes, bool outOfBagOnly)
    {
        votes.Clear();
        var voters = 0;
        for (var j = 0; j < _n; j++)
        {
            if (j == i || (outOfBagOnly && _bags[j][row] > 0))
            {
                continue;
            }

            votes[_predictions[j][row]]++;
            voters++;
        }

        var winner = 0;
        for (var c = 1; c < _classCount; c++)
        {
            if (votes[c] > votes[winner])
            {
                winner = c;
            }
        }

        return (winner, votes[winner], voters);
    }
}
