namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>One repeat at one unlabeled rate: row indices of the labeled set L, the unlabeled set U and the test set.</summary>
public sealed record EvaluationSplit(int Repeat, double UnlabeledRate, int[] Labeled, int[] Unlabeled, int[] Test)
{
    /// <summary>File-name stem of the exported split, e.g. <c>r03-u40</c>.</summary>
    public string Name => $"r{Repeat:D2}-u{(int)Math.Round(UnlabeledRate * 100):D2}";
}
