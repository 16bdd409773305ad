namespace Jumpstart.Hostd.Classification.Evaluation;

/// <summary>Test error of every learner on one split (fractions of the test flows).</summary>
public sealed record SplitResult(string Split, int Repeat, double UnlabeledRate, int Labeled, int Unlabeled, int Test,
    double J48, double RandomTree, double Bagging, double RandomForest, double CoForestInitial, double CoForestFinal, int CoForestRounds);

/// <summary>One line of the Table-3-style output: mean errors over the repeats at one unlabeled rate.</summary>
public sealed record RateResult(double UnlabeledRate, double Labeled, double Unlabeled, double J48, double RandomTree, double Bagging,
    double RandomForest, double CoForestInitial, double CoForestFinal, double Improvement, double CoForestRounds);

/// <summary>One line of the Table-4-style adaptability output (train on one half, test on a differently drawn other half).</summary>
public sealed record AdaptabilityResult(double UnlabeledRate, double RandomForest, double CoForestInitial, double CoForestFinal, double Improvement);

/// <summary>The unknown-class run at one theta: of the withheld class's flows, the share answered unknown; of the known flows, the share answered unknown and the share wrong (unknown included).</summary>
public sealed record UnknownResult(int Theta, double WithheldAnsweredUnknown, double KnownAnsweredUnknown, double KnownError);

/// <summary>Everything <c>jumpstart classify evaluate</c> measured.</summary>
public sealed record EvaluationReport(string Data, int Flows, int Classes, int Features, int Repeats, int TrainingPerClass, int Trees, double Confidence, int Seed,
    IReadOnlyList<RateResult> Rates, IReadOnlyList<AdaptabilityResult> Adaptability, double UnknownRunRate, IReadOnlyList<UnknownResult> Unknown,
    IReadOnlyList<SplitResult> Splits, double Seconds);
