using System.Runtime.InteropServices;

namespace Jumpstart.Guestd.Platform;

/// <summary>
/// The few libc calls .NET and Mono.Posix lack: ioctl(2) with a buffer or an integer argument,
/// open(2) with O_NONBLOCK (a CDROM without a disc must still open) and clock_settime(2).
/// </summary>
/// <remarks>Buffers are managed arrays marshalled by the runtime, so no unsafe code is needed.</remarks>
internal static class LibC
{
    private const string Library = "libc";

    public const int ORdOnly = 0x0000;
    public const int OWrOnly = 0x0001;
    public const int ONonBlock = 0x0800;
    public const int OCloExec = 0x80000;

    /// <summary>CLOCK_REALTIME from &lt;time.h&gt;.</summary>
    public const int ClockRealtime = 0;

    [DllImport(Library, EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport(Library, EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static extern int IoctlBuffer(int fd, nuint request, [In, Out] byte[] argument);

    [DllImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static extern int IoctlValue(int fd, nuint request, nint argument);

    [DllImport(Library, EntryPoint = "clock_settime", SetLastError = true)]
    public static extern int ClockSettime(int clock, ref Timespec value);

    /// <summary>The errno of the last call above.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>strerror-like text for an errno, e.g. "Operation not permitted (EPERM)".</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
