namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>
/// Writes the evaluation's splits so independent tools learn from exactly the same flows:
/// per split <c>NAME-labeled</c> and <c>NAME-unlabeled</c>, per repeat <c>rNN-test</c>, each as CSV
/// (header + class column) and as Weka ARFF (the class attribute lists every class in the same order,
/// so training and test headers match).
/// </summary>
public static class SplitExport
{
    public static void Write(FlowDataset data, IReadOnlyList<EvaluationSplit> splits, string directory)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(splits);
        Directory.CreateDirectory(directory);
        foreach (var split in splits)
        {
            WriteBoth(data.Subset(split.Labeled), Path.Combine(directory, $"{split.Name}-labeled"));
            WriteBoth(data.Subset(split.Unlabeled), Path.Combine(directory, $"{split.Name}-unlabeled"));
        }

        foreach (var split in splits.GroupBy(s => s.Repeat).Select(g => g.First()))
        {
            WriteBoth(data.Subset(split.Test), Path.Combine(directory, $"r{split.Repeat:D2}-test"));
        }
    }

    /// <summary>Writes <paramref name="data"/> as Weka ARFF (numeric features, nominal class).</summary>
    public static void WriteArff(FlowDataset data, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("@relation flows\n\n");
        foreach (var feature in data.FeatureNames)
        {
            writer.Write($"@attribute {feature} numeric\n");
        }

        writer.Write($"@attribute class {{{string.Join(',', data.ClassNames)}}}\n\n@data\n");
        FlowDatasetCsv.WriteRows(data, writer, "?");
    }

    private static void WriteBoth(FlowDataset data, string stem)
    {
        FlowDatasetCsv.Save(data, stem + ".csv");
        using var writer = new StreamWriter(stem + ".arff");
        WriteArff(data, writer);
    }
}
