namespace Jumpstart.Hostd.Classification;

/// <summary>
/// A model's answer for one flow: the class (or <see cref="IsUnknown"/> when fewer than the model's
/// threshold of trees voted for the winner), the share of trees (or probability) behind it, and the votes.
/// </summary>
public readonly record struct FlowPrediction(int ClassIndex, string Label, double Confidence, int Votes, int Trees)
{
    public const string UnknownLabel = "unknown";

    public bool IsUnknown => ClassIndex < 0;
}
