namespace Jumpstart.Shared.HostApi;

/// <summary>When a stage ended, and how long after the request started.</summary>
public sealed record StageTime(string Stage, DateTimeOffset At, double Seconds);
