namespace Jumpstart.Guestd.Configuration;

/// <summary>How long one step took and whether it succeeded.</summary>
public sealed record StepTiming(string Step, TimeSpan Duration, bool Succeeded);
