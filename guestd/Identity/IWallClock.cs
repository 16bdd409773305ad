namespace Jumpstart.Guestd.Identity;

/// <summary>The guest's wall clock and its hardware clock (RTC), so the clock step can be tested without changing the host's time.</summary>
public interface IWallClock
{
    DateTimeOffset UtcNow { get; }

    /// <summary>The RTC's time (UTC, whole seconds), or null when there is no readable RTC.</summary>
    DateTimeOffset? ReadRtc();

    /// <summary>Steps CLOCK_REALTIME to <paramref name="time"/>.</summary>
    /// <exception cref="IdentityException">The kernel refused (needs CAP_SYS_TIME).</exception>
    void Set(DateTimeOffset time);
}
