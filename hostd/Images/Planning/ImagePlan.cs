namespace Jumpstart.Hostd.Images.Planning;

/// <summary>Every prediction the planner made and the one with the least cloud time.</summary>
public sealed record ImagePlan(PlanInput Input, IReadOnlyList<SchemePrediction> Predictions, SchemePrediction Best);
