namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Grows one tree top-down on numeric features with binary splits <c>x &lt;= t</c>.
/// </summary>
/// <remarks>
/// C4.5 (Quinlan 1993, as in Weka's J4.8): a node stops below 2 x MinLeafWeight or when pure; per
/// feature, the threshold of highest information gain among cuts between distinct values that leave
/// at least minSplit = clamp(0.1 W / classes, M, 25) on each side, then the gain is reduced by
/// log2(cuts) / W (the MDL correction for numeric features); among features with at least the
/// average corrected gain, the highest gain ratio wins.
/// Random Tree (Breiman 2001 / Weka RandomTree): per node K random features (more until one has a
/// positive gain), information gain, midpoint thresholds.
/// Entropies are kept incrementally as sums of x ln x, so a sweep is O(rows) per feature after the sort.
/// </remarks>
internal sealed class TreeGrower
{
    private const double Epsilon = 1e-6;
    private const double DistinctValueGap = 1e-5;
    private const double MinSplitShare = 0.1;
    private const double MaxMinSplit = 25;
    private const double AverageGainSlack = 1e-3;

    private readonly TrainingSet _set;
    private readonly TreeOptions _options;
    private readonly Random? _random;
    private readonly int[] _allowed;
    private readonly double[] _keys;
    private readonly int[] _items;
    private readonly double[] _left;
    private readonly double[] _right;
    private readonly double[] _leftTerm;
    private readonly double[] _rightTerm;

    public TreeGrower(TrainingSet set, TreeOptions options, Random? random, int maxRows)
    {
        _set = set;
        _options = options;
        _random = random;
        _allowed = options.AllowedFeatures is { } allowed ? [.. allowed] : [.. Enumerable.Range(0, set.FeatureCount)];
        _keys = new double[maxRows];
        _items = new int[maxRows];
        _left = new double[set.ClassCount];
        _right = new double[set.ClassCount];
        _leftTerm = new double[set.ClassCount];
        _rightTerm = new double[set.ClassCount];
    }

    /// <summary>Grows a tree on <paramref name="rows"/> (all of positive weight).</summary>
    public TreeNode Grow(int[] rows) => GrowNode(rows, 0);

    /// <summary>Splits <paramref name="rows"/> by <c>value &lt;= threshold</c>, keeping their order.</summary>
    internal static (int[] Left, int[] Right) Partition(TrainingSet set, int[] rows, int feature, double threshold)
    {
        var leftCount = 0;
        foreach (var row in rows)
        {
            leftCount += set.Value(row, feature) <= threshold ? 1 : 0;
        }

        var left = new int[leftCount];
        var right = new int[rows.Length - leftCount];
        int l = 0, r = 0;
        foreach (var row in rows)
        {
            if (set.Value(row, feature) <= threshold)
            {
                left[l++] = row;
            }
            else
            {
                right[r++] = row;
            }
        }

        return (left, right);
    }

    internal static double XLogX(double x) => x > 0 ? x * Math.Log(x) : 0;

    internal double[] DistributionOf(int[] rows)
    {
        var distribution = new double[_set.ClassCount];
        foreach (var row in rows)
        {
            distribution[_set.Labels[row]] += _set.Weights[row];
        }

        return distribution;
    }

    private TreeNode GrowNode(int[] rows, int depth)
    {
        var distribution = DistributionOf(rows);
        var node = new TreeNode(distribution, _options.Prune ? rows : []);
        var total = distribution.Sum();
        if (total < 2 * _options.MinLeafWeight || distribution.Max() >= total - Epsilon || depth >= ClassificationLimits.MaxTreeDepth)
        {
            return node;
        }

        var (feature, threshold) = _options.Criterion == SplitCriterion.GainRatio
            ? ChooseGainRatio(rows, distribution, total)
            : ChooseRandom(rows, distribution, total);
        if (feature < 0)
        {
            return node;
        }

        var (leftRows, rightRows) = Partition(_set, rows, feature, threshold);
        if (leftRows.Length == 0 || rightRows.Length == 0)
        {
            return node;
        }

        node.Feature = feature;
        node.Threshold = threshold;
        node.Left = GrowNode(leftRows, depth + 1);
        node.Right = GrowNode(rightRows, depth + 1);
        return node;
    }

    private (int Feature, double Threshold) ChooseGainRatio(int[] rows, double[] distribution, double total)
    {
        var candidates = new List<(int Feature, double Threshold, double Gain, double Ratio)>();
        foreach (var feature in _allowed)
        {
            if (SweepC45(rows, feature, distribution, total) is { } split)
            {
                candidates.Add((feature, split.Threshold, split.Gain, split.Ratio));
            }
        }

        if (candidates.Count == 0)
        {
            return (-1, 0);
        }

        var average = candidates.Average(c => c.Gain);
        var best = (Feature: -1, Threshold: 0.0);
        var bestRatio = 0.0;
        foreach (var c in candidates)
        {
            if (c.Gain >= average - AverageGainSlack && c.Ratio > bestRatio + Epsilon)
            {
                best = (c.Feature, c.Threshold);
                bestRatio = c.Ratio;
            }
        }

        return best;
    }

    private (double Threshold, double Gain, double Ratio)? SweepC45(int[] rows, int feature, double[] distribution, double total)
    {
        var minSplit = Math.Clamp(MinSplitShare * total / _set.ClassCount, _options.MinLeafWeight, MaxMinSplit);
        if (total < 2 * minSplit)
        {
            return null;
        }

        var n = Sort(rows, feature);
        var (sumLeft, sumRight, parentTerm) = StartSweep(distribution);
        double weightLeft = 0, weightRight = total;
        var bestGain = 0.0;
        var bestIndex = -1;
        var bestLeftWeight = 0.0;
        var cuts = 0;
        for (var k = 0; k < n - 1; k++)
        {
            var w = Move(_items[k], ref sumLeft, ref sumRight);
            weightLeft += w;
            weightRight -= w;
            if (_keys[k] + DistinctValueGap >= _keys[k + 1] || weightLeft < minSplit - Epsilon || weightRight < minSplit - Epsilon)
            {
                continue;
            }

            cuts++;
            var gain = (parentTerm - ChildTerm(sumLeft, weightLeft, sumRight, weightRight)) / (total * Math.Log(2));
            if (gain > bestGain + Epsilon)
            {
                bestGain = gain;
                bestIndex = k;
                bestLeftWeight = weightLeft;
            }
        }

        if (cuts == 0 || bestIndex < 0)
        {
            return null;
        }

        var corrected = bestGain - (Math.Log2(cuts) / total);
        if (corrected <= Epsilon)
        {
            return null;
        }

        var splitEntropy = (XLogX(total) - XLogX(bestLeftWeight) - XLogX(total - bestLeftWeight)) / (total * Math.Log(2));
        var ratio = splitEntropy < Epsilon ? 0 : corrected / splitEntropy;
        return (_keys[bestIndex], corrected, ratio);
    }

    private (int Feature, double Threshold) ChooseRandom(int[] rows, double[] distribution, double total)
    {
        var window = (int[])_allowed.Clone();
        var windowSize = window.Length;
        var k = _options.RandomFeaturesFor(window.Length);
        var gainFound = false;
        var best = (Feature: -1, Threshold: 0.0);
        var bestGain = double.NegativeInfinity;
        while (windowSize > 0 && (k-- > 0 || !gainFound))
        {
            var chosen = _random!.Next(windowSize);
            var feature = window[chosen];
            window[chosen] = window[windowSize - 1];
            window[windowSize - 1] = feature;
            windowSize--;
            var (gain, threshold) = SweepRandom(rows, feature, distribution, total);
            gainFound |= gain > Epsilon;
            if (gain > bestGain || (gain == bestGain && feature < best.Feature))
            {
                bestGain = gain;
                best = (feature, threshold);
            }
        }

        return bestGain > Epsilon ? best : (-1, 0);
    }

    private (double Gain, double Threshold) SweepRandom(int[] rows, int feature, double[] distribution, double total)
    {
        var n = Sort(rows, feature);
        var (sumLeft, sumRight, parentTerm) = StartSweep(distribution);
        double weightLeft = 0, weightRight = total;
        var bestGain = double.NegativeInfinity;
        var threshold = _keys[0];
        for (var k = 0; k < n - 1; k++)
        {
            var w = Move(_items[k], ref sumLeft, ref sumRight);
            weightLeft += w;
            weightRight -= w;
            if (_keys[k + 1] <= _keys[k])
            {
                continue;
            }

            var gain = (parentTerm - ChildTerm(sumLeft, weightLeft, sumRight, weightRight)) / (total * Math.Log(2));
            if (gain > bestGain)
            {
                bestGain = gain;
                threshold = (_keys[k] + _keys[k + 1]) / 2;
            }
        }

        return (bestGain, threshold);
    }

    private int Sort(int[] rows, int feature)
    {
        var n = rows.Length;
        for (var i = 0; i < n; i++)
        {
            _items[i] = rows[i];
            _keys[i] = _set.Value(rows[i], feature);
        }

        Array.Sort(_keys, _items, 0, n);
        return n;
    }

    private (double SumLeft, double SumRight, double ParentTerm) StartSweep(double[] distribution)
    {
        Array.Clear(_left);
        Array.Clear(_leftTerm);
        distribution.CopyTo(_right, 0);
        var sumRight = 0.0;
        for (var c = 0; c < distribution.Length; c++)
        {
            _rightTerm[c] = XLogX(distribution[c]);
            sumRight += _rightTerm[c];
        }

        return (0, sumRight, XLogX(distribution.Sum()) - sumRight);
    }

    /// <summary>
    /// Moves row <paramref name="row"/> from the right side to the left, keeping the x ln x sums
    /// (each class's current term is cached, so a move costs two logarithms); returns its weight.
    /// </summary>
    private double Move(int row, ref double sumLeft, ref double sumRight)
    {
        var c = _set.Labels[row];
        var w = _set.Weights[row];
        sumLeft -= _leftTerm[c];
        sumRight -= _rightTerm[c];
        _left[c] += w;
        _right[c] -= w;
        _leftTerm[c] = XLogX(_left[c]);
        _rightTerm[c] = XLogX(_right[c]);
        sumLeft += _leftTerm[c];
        sumRight += _rightTerm[c];
        return w;
    }

    private static double ChildTerm(double sumLeft, double weightLeft, double sumRight, double weightRight)
        => XLogX(weightLeft) - sumLeft + XLogX(weightRight) - sumRight;
}
