namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Labeled flow feature vectors, row-major: row <c>i</c> is <c>Features[i*FeatureCount ..]</c> and
/// its class is <c>ClassNames[Labels[i]]</c> (a label of -1 means "unlabeled").
/// </summary>
public sealed class FlowDataset
{
    public FlowDataset(IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames, double[] features, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (featureNames.Count == 0 || features.Length != labels.Length * featureNames.Count)
        {
            throw new ArgumentException($"{features.Length} feature values do not make {labels.Length} rows of {featureNames.Count}");
        }

        foreach (var label in labels)
        {
            if (label < -1 || label >= classNames.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), $"label {label} outside 0..{classNames.Count - 1}");
            }
        }

        FeatureNames = featureNames;
        ClassNames = classNames;
        Features = features;
        Labels = labels;
    }

    public IReadOnlyList<string> FeatureNames { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>All rows, row-major.</summary>
    public double[] Features { get; }

    /// <summary>Class index per row (-1: unlabeled).</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int FeatureCount => FeatureNames.Count;

    public int ClassCount => ClassNames.Count;

    /// <summary>The feature vector of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<double> Row(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    /// <summary>The rows at <paramref name="rows"/> (in that order), same features and classes.</summary>
    public FlowDataset Subset(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var d = FeatureCount;
        var features = new double[rows.Count * d];
        var labels = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            Row(rows[i]).CopyTo(features.AsSpan(i * d, d));
            labels[i] = Labels[rows[i]];
        }

        return new FlowDataset(FeatureNames, ClassNames, features, labels);
    }

    /// <summary>Rows per class index.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (var label in Labels)
        {
            if (label >= 0)
            {
                counts[label]++;
            }
        }

        return counts;
    }
}
