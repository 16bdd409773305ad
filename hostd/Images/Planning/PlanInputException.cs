namespace Jumpstart.Hostd.Images.Planning;

/// <summary>A planner input is out of range (the CLI maps it to exit 64).</summary>
public sealed class PlanInputException(string message) : ArgumentException(message);
