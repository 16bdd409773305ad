namespace Jumpstart.Guestd.Daemon;

/// <summary>One row of <see cref="ApplyReport.Steps"/>: a step, how long it took, whether it succeeded.</summary>
public sealed record StepReport(string Step, double Ms, bool Ok);
