namespace Jumpstart.Guestd.Identity;

/// <summary>
/// Whether and where to step a clone's wall clock. After a memory restore the guest's clock is the
/// template's suspend time plus the seconds it has run since: behind by however long the state file
/// waited. The RTC keeps host time (to the second); the disc's host time is a lower bound (the disc
/// was made before it was inserted).
/// </summary>
/// <param name="Target">The time to set, or null to leave the clock alone.</param>
/// <param name="Source">"rtc", "disc" or "none".</param>
/// <param name="Offset">Target minus the current time (zero when unchanged).</param>
public sealed record ClockDecision(DateTimeOffset? Target, string Source, TimeSpan Offset)
{
    /// <summary>The RTC reads whole seconds: within this of its midpoint the clock is already right.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan s_rtcMidpoint = TimeSpan.FromMilliseconds(500);

    /// <summary>Decides from the current clock, the RTC (if readable) and the disc's host time (if any).</summary>
    /// <remarks>
    /// The RTC is trusted unless the disc proves it behind (a host whose RTC was never set, or a VM
    /// started with an old <c>-rtc base</c>); then the disc's time is used, but only as a lower bound,
    /// so a clock already past it is never stepped back.
    /// </remarks>
    public static ClockDecision Decide(DateTimeOffset now, DateTimeOffset? rtc, DateTimeOffset? hostTime)
    {
        if (rtc is { } seconds && !(hostTime > seconds + s_rtcMidpoint + Tolerance))
        {
            var estimate = seconds + s_rtcMidpoint;
            return (now - estimate).Duration() > Tolerance
                ? new ClockDecision(estimate, "rtc", estimate - now)
                : new ClockDecision(null, "rtc", TimeSpan.Zero);
        }

        return hostTime is { } lowerBound && lowerBound - now > Tolerance
            ? new ClockDecision(lowerBound, "disc", lowerBound - now)
            : new ClockDecision(null, hostTime is null ? "none" : "disc", TimeSpan.Zero);
    }
}
