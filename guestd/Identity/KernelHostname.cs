using System.Text;
using Jumpstart.Guestd.Configuration;
using Mono.Unix.Native;

namespace Jumpstart.Guestd.Identity;

/// <summary>
/// sethostname(2)/gethostname(2) through Mono.Posix. Changes the UTS namespace guestd runs in: the
/// whole guest in a VM, or a private namespace under <c>unshare --uts</c> in tests.
/// </summary>
public sealed class KernelHostname : IKernelHostname
{
    /// <summary>HOST_NAME_MAX on Linux is 64; the buffer holds it and the NUL.</summary>
    private const int HostNameBufferSize = 256;

    public string Set(string hostname)
    {
        if (Syscall.sethostname(hostname) != 0)
        {
            var errno = Stdlib.GetLastError();
            var hint = errno == Errno.EPERM ? " (needs CAP_SYS_ADMIN in this UTS namespace)" : string.Empty;
            throw new GuestConfigException(StepNames.Hostname, $"sethostname({hostname}) failed: {errno}{hint}");
        }

        return Get() ?? hostname;
    }

    /// <summary>
    /// Sets the name the kernel already has, changing nothing: a template's warm-up runs it so that a clone's
    /// sethostname(2) and gethostname(2) calls (their marshalling stubs) are compiled before the suspend.
    /// </summary>
    /// <returns>The kernel's name, or null when it cannot be read or set (the warm-up goes on without).</returns>
    public string? Reapply()
    {
        var current = Get();
        return current is { Length: > 0 } && Syscall.sethostname(current) == 0 ? current : null;
    }

    private static string? Get()
    {
        var buffer = new StringBuilder(HostNameBufferSize);
        return Syscall.gethostname(buffer) == 0 ? buffer.ToString() : null;
    }
}
