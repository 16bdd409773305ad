using System.Reflection;
using System.Runtime.InteropServices;

namespace Jumpstart.Guestd.Platform;

/// <summary>
/// The few libc calls .NET and Mono.Posix lack: ioctl(2) with a buffer or an integer argument,
/// open(2) with O_NONBLOCK (a CDROM without a disc must still open), clock_settime(2), and the
/// socket(2)/send(2)/sendto(2)/recv(2)/setns(2) of guestd's rtnetlink client and ARP announcements, and the
/// mmap(2)/munmap(2) that zero a template's free memory.
/// </summary>
/// <remarks>Buffers are managed arrays marshalled by the runtime, so no unsafe code is needed.</remarks>
internal static class LibC
{
    private const string Library = "libc";

    /// <summary>
    /// Binds every call of this class and builds its marshalling stub without calling it (<see cref="Marshal.Prelink"/>):
    /// the template's warm-up runs it for the calls it must not make (clock_settime, sendto of an ARP), whose stubs a
    /// clone would otherwise compile under TCG on first use.
    /// </summary>
    public static void Prelink()
    {
        foreach (var method in typeof(LibC).GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if ((method.Attributes & MethodAttributes.PinvokeImpl) != 0)
            {
                Marshal.Prelink(method);
            }
        }
    }

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

    /// <summary>AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC and NETLINK_ROUTE from &lt;sys/socket.h&gt; and &lt;linux/netlink.h&gt;.</summary>
    public const int AfNetlink = 16;
    public const int SockRaw = 3;
    public const int SockCloExec = 0x80000;
    public const int NetlinkRoute = 0;

    /// <summary>CLONE_NEWNET from &lt;sched.h&gt;, for setns(2).</summary>
    public const int CloneNewNet = 0x40000000;

    [DllImport(Library, EntryPoint = "socket", SetLastError = true)]
    public static extern int Socket(int domain, int type, int protocol);

    [DllImport(Library, EntryPoint = "send", SetLastError = true)]
    public static extern nint Send(int fd, byte[] buffer, nuint length, int flags);

    [DllImport(Library, EntryPoint = "recv", SetLastError = true)]
    public static extern nint Receive(int fd, [Out] byte[] buffer, nuint length, int flags);

    /// <summary>AF_PACKET, SOCK_DGRAM and ETH_P_ARP from &lt;linux/if_packet.h&gt; and &lt;linux/if_ether.h&gt; (packet(7)).</summary>
    public const int AfPacket = 17;
    public const int SockDgram = 2;
    public const ushort EthernetArp = 0x0806;

    [DllImport(Library, EntryPoint = "sendto", SetLastError = true)]
    public static extern nint SendTo(int fd, byte[] buffer, nuint length, int flags, byte[] address, uint addressLength);

    [DllImport(Library, EntryPoint = "setns", SetLastError = true)]
    public static extern int SetNamespace(int fd, int type);

    [DllImport(Library, EntryPoint = "clock_settime", SetLastError = true)]
    public static extern int ClockSettime(int clock, ref Timespec value);

    /// <summary>PROT_* and MAP_* from &lt;sys/mman.h&gt; (x86-64), for mmap(2).</summary>
    public const int ProtRead = 0x1;
    public const int ProtWrite = 0x2;
    public const int MapPrivate = 0x02;
    public const int MapAnonymous = 0x20;
    public const int MapPopulate = 0x8000;

    /// <summary>mmap(2)'s MAP_FAILED, (void *) -1.</summary>
    public const nint MapFailed = -1;

    [DllImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static extern int Munmap(nint address, nuint length);

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
