namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>The paper's section 4 protocol; defaults are the paper's (300 per class, 20/40/60/80 % unlabeled, 20 repeats, 6 trees).</summary>
public sealed record EvaluationOptions
{
    public const int DefaultRepeats = 20;
    public const int DefaultLabeledPerClass = 300;
    public const int MaxRepeats = 1000;

    public int Repeats { get; init; } = DefaultRepeats;

    /// <summary>At most this many flows per class form the unbiased training set; the other flows are the test set.</summary>
    public int TrainingPerClass { get; init; } = DefaultLabeledPerClass;

    /// <summary>Shares of the training set whose labels are hidden (U).</summary>
    public IReadOnlyList<double> UnlabeledRates { get; init; } = [0.2, 0.4, 0.6, 0.8];

    public int Seed { get; init; } = 1;

    /// <summary>Trees of Bagging, Random Forest and Co-Forest.</summary>
    public int Trees { get; init; } = CoForestOptions.DefaultTrees;

    public double Confidence { get; init; } = CoForestOptions.DefaultConfidence;

    /// <summary>Also run the adaptability experiment (train on one half, test on a differently drawn other half).</summary>
    public bool Adaptability { get; init; } = true;

    /// <summary>Also run the unknown-class experiment (one class withheld from training per repeat).</summary>
    public bool UnknownClass { get; init; } = true;

    /// <summary>Where to write every split (CSV and ARFF) for peers to use; null: none.</summary>
    public string? ExportDirectory { get; init; }
}
