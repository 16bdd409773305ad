using System.Buffers.Binary;
using Jumpstart.Guestd.Configuration;
using Jumpstart.Guestd.Platform;

namespace Jumpstart.Guestd.Identity;

/// <summary>CLOCK_REALTIME via clock_settime(2), and the RTC via the RTC_RD_TIME ioctl.</summary>
/// <remarks>
/// rtc(4): "RTC_RD_TIME: Returns this RTC's time in the following structure: struct rtc_time { int
/// tm_sec; int tm_min; int tm_hour; int tm_mday; int tm_mon; int tm_year; int tm_wday; int tm_yday;
/// int tm_isdst; }" — nine ints, so _IOR('p', 0x09, struct rtc_time) = 0x80247009. QEMU's RTC runs in
/// UTC (<c>-rtc base=utc</c>, the default) and keeps counting host time while a VM is suspended, which
/// is what makes it a good source after a memory restore.
/// </remarks>
public sealed class LinuxWallClock(string rtcDevice = LinuxWallClock.DefaultRtc) : IWallClock
{
    public const string DefaultRtc = "/dev/rtc0";

    /// <summary>_IOR('p', 0x09, struct rtc_time).</summary>
    public const uint RtcReadTime = 0x80247009;

    private const int RtcTimeBytes = 9 * sizeof(int);
    private const int TmYearBase = 1900;

    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    public DateTimeOffset? ReadRtc()
    {
        var fd = LibC.Open(rtcDevice, LibC.ORdOnly | LibC.OCloExec);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            var tm = new byte[RtcTimeBytes];
            if (LibC.IoctlBuffer(fd, RtcReadTime, tm) != 0)
            {
                return null;
            }

            int Field(int index) => BinaryPrimitives.ReadInt32LittleEndian(tm.AsSpan(index * sizeof(int)));
            try
            {
                return new DateTimeOffset(Field(5) + TmYearBase, Field(4) + 1, Field(3), Field(2), Field(1), Field(0), TimeSpan.Zero);
            }
            catch (ArgumentOutOfRangeException)
            {
                return null;  // an RTC that was never set reads as garbage
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    public void Set(DateTimeOffset time)
    {
        var unixNs = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * (1_000_000_000 / TimeSpan.TicksPerSecond);
        var value = new LibC.Timespec { Seconds = unixNs / 1_000_000_000, Nanoseconds = unixNs % 1_000_000_000 };
        if (LibC.ClockSettime(LibC.ClockRealtime, ref value) != 0)
        {
            throw new IdentityException(StepNames.Clock, $"clock_settime(CLOCK_REALTIME) failed: {LibC.Describe(LibC.LastError)}");
        }
    }
}
