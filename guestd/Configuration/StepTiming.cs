namespace Jumpstart.Guestd.Configuration;

/// <summary>How long one step took and whether it succeeded.</summary>
public sealed record StepTiming(string Step, TimeSpan Duration, bool Succeeded)
{
    /// <summary>
    /// Methods the runtime JIT-compiled while the step ran (any thread, so background tier-up too). A clone should
    /// run code its template compiled before the suspend; a step that compiles is a path the warm-up misses, and
    /// under TCG each method costs about a millisecond.
    /// </summary>
    public long JitMethods { get; init; }
}
