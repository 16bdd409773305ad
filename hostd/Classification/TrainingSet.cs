namespace Jumpstart.Hostd.Classification;

/// <summary>
/// What one tree learns from: feature rows (row-major, shared, never copied), a class per row and a
/// weight per row. A bootstrap sample is integer weights; Co-Forest's pseudo-labeled rows carry their
/// confidence as weight. Rows of weight 0 are left out.
/// </summary>
internal sealed class TrainingSet
{
    public TrainingSet(double[] features, int featureCount, int[] labels, double[] weights, int classCount)
    {
        Features = features;
        FeatureCount = featureCount;
        Labels = labels;
        Weights = weights;
        ClassCount = classCount;
    }

    public double[] Features { get; }

    public int FeatureCount { get; }

    public int[] Labels { get; }

    public double[] Weights { get; }

    public int ClassCount { get; }

    public double Value(int row, int feature) => Features[(row * FeatureCount) + feature];

    /// <summary>Indices of the rows with a positive weight.</summary>
    public int[] ActiveRows()
    {
        var rows = new List<int>(Labels.Length);
        for (var i = 0; i < Labels.Length; i++)
        {
            if (Weights[i] > 0)
            {
                rows.Add(i);
            }
        }

        return [.. rows];
    }

    /// <summary>All rows of <paramref name="data"/> with weight 1.</summary>
    public static TrainingSet Of(FlowDataset data)
    {
        var weights = new double[data.Count];
        Array.Fill(weights, 1.0);
        return new TrainingSet(data.Features, data.FeatureCount, data.Labels, weights, data.ClassCount);
    }
}
