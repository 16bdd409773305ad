using Jumpstart.Guestd.Identity;

namespace Jumpstart.Tests.Guestd;

/// <summary>
/// Test doubles for the machine-wide identity steps, which must not run on the test host (its RNG
/// and clock belong to everyone). The real ioctls are proven inside the test guest (CloneBootTests).
/// </summary>
internal sealed class RecordingRandom : IKernelRandom
{
    public List<byte[]> Seeds { get; } = [];

    public void Reseed(ReadOnlySpan<byte> seed) => Seeds.Add(seed.ToArray());
}

/// <summary>A clock frozen at <see cref="UtcNow"/> with an RTC reading; records what it was set to.</summary>
internal sealed class RecordingClock(DateTimeOffset now, DateTimeOffset? rtc) : IWallClock
{
    public DateTimeOffset UtcNow { get; private set; } = now;

    public List<DateTimeOffset> SetTo { get; } = [];

    public DateTimeOffset? ReadRtc() => rtc;

    public void Set(DateTimeOffset time)
    {
        SetTo.Add(time);
        UtcNow = time;
    }
}
