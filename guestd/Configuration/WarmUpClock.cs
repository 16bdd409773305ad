using Jumpstart.Guestd.Identity;

namespace Jumpstart.Guestd.Configuration;

/// <summary>A warm-up's clock: reads the real clock and RTC, never sets the time.</summary>
internal sealed class WarmUpClock(IWallClock real) : IWallClock
{
    public DateTimeOffset UtcNow => real.UtcNow;

    public DateTimeOffset? ReadRtc() => real.ReadRtc();

    public void Set(DateTimeOffset time)
    {
        // Deliberately nothing: a template keeps its own clock until it becomes a clone.
    }
}
